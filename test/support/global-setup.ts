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
  const results = await Promise.allSettled([startDynalite(), startDynamoDbLocal(), startS3rver(join(dir, 's3'))]);
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
    // One line that says what to install, rather than a stack trace from inside vitest.
    console.error(`runnel tests: ${(failed.reason as Error).message}`);
    process.exit(1);
  }
  const [dynalite, dynamodbLocal, s3] = started as [Emulator, Emulator, Emulator];
  project.provide('emulators', { dynalite: dynalite.endpoint, dynamodbLocal: dynamodbLocal.endpoint, s3: s3.endpoint });
  return async () => {
    await Promise.all(started.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  };
}
