import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { RunnelConfig } from '../../lib/config.js';
import { createApp } from '../../lib/http/app.js';
import { LOCAL_CREDENTIALS } from '../../lib/local/emulators.js';
import { createServices, type Services, type ServicesOptions } from '../../lib/runtime.js';
import { createStorageClients, type StorageClients } from '../../lib/storage/clients.js';
import { provisionStorage } from '../../lib/storage/provision.js';

export type Backend = 'dynalite' | 'dynamodb-local';
/** Every integration suite runs on both; where they disagree, DynamoDB Local is right. */
export const BACKENDS: Backend[] = ['dynamodb-local', 'dynalite'];

export interface TestStack {
  runnel: Services;
  config: RunnelConfig;
  /** Calls the HTTP app in process; storage is the real emulator servers over HTTP. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A second, independent Runnel on the same storage: another Lambda instance, say. */
  another(options?: ServicesOptions): TestStack;
}

/** Fresh tables and bucket on the given backend, so tests never see each other's data. */
export async function createTestStack(backend: Backend, options: ServicesOptions = {}): Promise<TestStack> {
  const emulators = inject('emulators');
  const suffix = randomBytes(6).toString('hex');
  const config: RunnelConfig = {
    region: 'us-east-1',
    bucket: `runnel-test-${suffix}`,
    topicsTable: `topics-${suffix}`,
    logTable: `log-${suffix}`,
    groupsTable: `groups-${suffix}`,
    s3Endpoint: emulators.s3,
    dynamoDbEndpoint: backend === 'dynalite' ? emulators.dynalite : emulators.dynamodbLocal,
    credentials: LOCAL_CREDENTIALS,
  };
  await provisionStorage(createStorageClients(config), config);
  return stackFor(config, options);
}

function stackFor(config: RunnelConfig, options: ServicesOptions): TestStack {
  const runnel = createServices(config, options);
  const app = createApp(runnel);
  return {
    runnel,
    config,
    async request(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    another: (more) => stackFor(config, { ...more }),
  };
}

export function freshClients(config: RunnelConfig): StorageClients {
  return createStorageClients(config);
}
