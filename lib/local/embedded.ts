import { serve, type ServerType } from '@hono/node-server';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DEFAULT_NAMES, type RunnelConfig } from '../config.js';
import { createApp } from '../http/app.js';
import { createRunnel, type Runnel } from '../runtime.js';
import { provisionStorage } from '../storage/provision.js';
import { logger } from '../observability/logger.js';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver, type Emulator } from './emulators.js';

export interface EmbeddedStackOptions {
  /** Where dynalite and s3rver keep their files. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** How often to purge deleted topics and apply retention, as the scheduled Lambda does on AWS. */
  maintenanceIntervalMs?: number;
}

export interface EmbeddedStack {
  url: string;
  runnel: Runnel;
  stop(): Promise<void>;
}

/** dynalite + s3rver + the API, all in this process: the whole service with nothing to install. */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const emulators: Emulator[] = [];
  try {
    const dynamo = await startDynalite(join(options.dataDir, 'dynamodb'));
    emulators.push(dynamo);
    const s3 = await startS3rver(join(options.dataDir, 's3'));
    emulators.push(s3);
    const config: RunnelConfig = {
      region: 'us-east-1',
      ...DEFAULT_NAMES,
      s3Endpoint: s3.endpoint,
      dynamoDbEndpoint: dynamo.endpoint,
      credentials: LOCAL_CREDENTIALS,
    };
    const runnel = createRunnel(config, { purgeOnDelete: true });
    await provisionStorage(runnel.clients, config);
    // Purge what deletes left behind; a failure here must not keep the service from starting.
    await runnel.maintain().catch((error) => logger.error('maintenance at start failed', { error }));
    const host = options.host ?? '127.0.0.1';
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: createApp(runnel).fetch, port: options.port, hostname: host }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    const maintenance = setInterval(() => {
      runnel.maintain({ sweepOrphans: true }).catch((error) => logger.error('maintenance failed', { error }));
    }, options.maintenanceIntervalMs ?? 60_000);
    maintenance.unref();
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      runnel,
      stop: async () => {
        clearInterval(maintenance);
        await new Promise((resolve) => server.close(resolve));
        for (const e of emulators.reverse()) await e.close();
      },
    };
  } catch (e) {
    for (const emulator of emulators.reverse()) await emulator.close();
    throw e;
  }
}
