import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynalite, startDynamoDbLocal, startS3rver, type Emulator } from '../../lib/local/emulators.js';

export interface EmulatorEndpoints {
  dynalite: string;
  dynamodbLocal: string;
  s3: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

/** One set of real emulator servers for the whole run; every test isolates itself with its own tables and bucket. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-test-'));
  const started: Emulator[] = [];
  const [dynalite, dynamodbLocal, s3] = await Promise.all([startDynalite(), startDynamoDbLocal(), startS3rver(join(dir, 's3'))]);
  started.push(dynalite, dynamodbLocal, s3);
  project.provide('emulators', { dynalite: dynalite.endpoint, dynamodbLocal: dynamodbLocal.endpoint, s3: s3.endpoint });
  return async () => {
    await Promise.all(started.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  };
}
