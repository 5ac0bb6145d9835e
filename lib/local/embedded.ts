import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DEFAULT_NAMES, type RunnelConfig } from '../config.js';
import { ALL_CONCERNS, createApp } from '../http/app.js';
import { createNodeServer, listen } from '../http/node-server.js';
import { createServices, type Services } from '../runtime.js';
import { provisionStorage } from '../storage/provision.js';
import { logger } from '../observability/logger.js';
import { lockDataDir } from './data-lock.js';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver, type Emulator } from './emulators.js';
import type { ConsoleAssets } from '../cli/console-assets.js';
import { mountConsole } from './console-route.js';
import { LOOPBACK_HOSTS } from './hosts.js';
import { StartupError } from './startup-error.js';

export interface EmbeddedStackOptions {
  /** Where dynalite and s3rver keep their files. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** How often to purge deleted topics and apply retention, as the scheduled Lambda does on AWS. */
  maintenanceIntervalMs?: number;
  /** Kafka's `auto.create.topics.enable` and `num.partitions` (RunnelConfig); off when absent. */
  autoCreateTopics?: RunnelConfig['autoCreateTopics'];
  /** Host names the API answers to (any other Host or Origin gets 403); the loopback names by default. */
  allowedHosts?: readonly string[];
  /**
   * Where push subscriptions invoke Lambda functions: a local Invoke endpoint such as `sam local
   * start-lambda`'s. Without it they invoke functions on AWS, with the default AWS credentials.
   */
  lambdaEndpoint?: string;
  /**
   * Starts dynalite and s3rver with their files under `dataDir`; in this process by default. The bench
   * starts them in processes of their own, so that their CPU is not the API's.
   */
  startEmulators?: (dataDir: string) => Promise<{ dynamo: Emulator; s3: Emulator }>;
  /** The web console's files (console-bundle.ts), served at /console/. */
  consoleAssets?: ConsoleAssets;
}

export interface EmbeddedStack {
  url: string;
  runnel: Services;
  stop(): Promise<void>;
}

async function startEmulatorsHere(dataDir: string): Promise<{ dynamo: Emulator; s3: Emulator }> {
  const dynamo = await startDynalite(join(dataDir, 'dynamodb'));
  try {
    return { dynamo, s3: await startS3rver(join(dataDir, 's3')) };
  } catch (e) {
    await dynamo.close();
    throw e;
  }
}

/** dynalite + s3rver + the API, all in this process: the whole service with nothing to install. */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const emulators: Emulator[] = [];
  const unlock = lockDataDir(options.dataDir);
  try {
    const { dynamo, s3 } = await (options.startEmulators ?? startEmulatorsHere)(options.dataDir);
    emulators.push(dynamo, s3);
    const config: RunnelConfig = {
      region: 'us-east-1',
      ...DEFAULT_NAMES,
      s3Endpoint: s3.endpoint,
      dynamoDbEndpoint: dynamo.endpoint,
      credentials: LOCAL_CREDENTIALS,
      ...(options.lambdaEndpoint ? { lambdaEndpoint: options.lambdaEndpoint } : {}),
      ...(options.autoCreateTopics ? { autoCreateTopics: options.autoCreateTopics } : {}),
    };
    // Push subscriptions are delivered in this process, woken by each commit.
    const runnel = createServices(config, { purgeOnDelete: true, dispatchInProcess: true });
    await provisionStorage(runnel.clients, config);
    // Purge what deletes left behind; a failure here must not keep the service from starting.
    await runnel.maintain().catch((error) => logger.error('maintenance at start failed', { error }));
    const host = options.host ?? '127.0.0.1';
    const app = createApp(runnel, ALL_CONCERNS, { allowedHosts: options.allowedHosts ?? LOOPBACK_HOSTS, logRequests: true });
    if (options.consoleAssets) mountConsole(app, options.consoleAssets);
    const server = createNodeServer(app, { wake: runnel.wake });
    await listen(server, options.port, host).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') throw new StartupError(`port ${options.port} on ${host} is already in use; set PORT to another port (PORT=0 picks a free one)`);
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new StartupError(`cannot listen on ${host}: it is not an address of this machine; set HOST to one that is`);
      if (e.code === 'EACCES') throw new StartupError(`not allowed to listen on port ${options.port}; set PORT to one above 1023`);
      throw e;
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
        runnel.subscriptions.dispatcher.close();
        runnel.wake.closeAll();
        await new Promise((resolve) => server.close(resolve));
        for (const e of emulators.reverse()) await e.close();
        unlock();
      },
    };
  } catch (e) {
    for (const emulator of emulators.reverse()) await emulator.close();
    unlock();
    throw e;
  }
}
