import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMES, type RunnelConfig } from '../lib/config.js';
import { LOCAL_CREDENTIALS } from '../lib/local/emulators.js';
import { createStorageClients, type StorageClients } from '../lib/storage/clients.js';
import { STORAGE_REQUEST_HANDLER } from '../lib/storage/dynamo-client.js';
import { poolResolvedMiddleware } from '../lib/storage/middleware-cache.js';
import { withoutSdkLogging } from '../lib/storage/no-sdk-logging.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { reuseSigner } from '../lib/storage/reuse-signer.js';
import { ChildHelper, cpuMs } from './child.js';
import { headAppendLike } from './floor.js';
import { RECORDS_PER_REQUEST, segmentBody } from './workload.js';

/**
 * The CPU of one committed batch's storage calls (a PutObject of a 100 KB segment, then an UpdateItem
 * of the head append's shape) with storage clients built in different ways, measured in one process by
 * interleaved windows (`process.cpuUsage()`), against dynalite and s3rver in processes of their own:
 *
 *   npx tsx bench/sdk-ab.ts [--variant NAME]... [--pairs N] [--rounds R] [--concurrency C]
 *
 * Each round runs every variant for N pairs, in an order that rotates from round to round; each
 * variant's figure is the median of its rounds, and its difference from the first variant the median
 * of the per-round differences (with their quartiles). A whole-server A/B (produce-cpu.ts --compare)
 * cannot resolve a 0.1 ms change on a shared machine; this can, as each window is short and both
 * variants see the same moments.
 */
const VARIANTS: Record<string, (config: RunnelConfig) => StorageClients> = {
  /** As the SDK builds them, with only the signer reused (Runnel's clients before the pooled middleware). */
  'signer-only': (config) => sdkClients(config),
  'no-log': (config) => each(sdkClients(config), withoutSdkLogging),
  pool: (config) => each(sdkClients(config), poolResolvedMiddleware),
  /** The SDK's own `cacheMiddleware` option (unsafe for concurrent calls: lib/storage/middleware-cache.ts). */
  'sdk-cache': (config) => each(sdkClients(config), (client) => ((client.config as { cacheMiddleware?: boolean }).cacheMiddleware = true)),
  /** Runnel's clients as they are (lib/storage/clients.ts). */
  runnel: (config) => createStorageClients(config),
  /**
   * Runnel's clients without the SDK's user-agent middleware, which rebuilds and escapes the header at
   * every call. Not a client to ship (AWS asks for the header): the bound on what computing the header
   * once per distinct input could save.
   */
  'no-user-agent': (config) => each(createStorageClients(config), (client) => client.middlewareStack.remove('getUserAgentMiddleware')),
};

function sdkClients(config: RunnelConfig): StorageClients {
  const requestHandler = STORAGE_REQUEST_HANDLER;
  const credentials = config.credentials;
  const checksums = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;
  const s3 = new S3Client({ region: config.region, requestHandler, credentials, endpoint: config.s3Endpoint, forcePathStyle: true, ...checksums });
  const dynamo = new DynamoDBClient({ region: config.region, requestHandler, credentials, endpoint: config.dynamoDbEndpoint });
  reuseSigner(s3);
  reuseSigner(dynamo);
  return { s3, dynamo };
}

function each(clients: StorageClients, change: (client: S3Client | DynamoDBClient) => void): StorageClients {
  change(clients.s3);
  change(clients.dynamo);
  return clients;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: ['signer-only', 'runnel'] },
    pairs: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '1' },
  },
});
const names = values.variant;
for (const n of names) if (!VARIANTS[n]) throw new Error(`--variant is one of ${Object.keys(VARIANTS).join(', ')}, not ${n}`);

const dir = mkdtempSync(join(tmpdir(), 'runnel-sdk-ab-'));
const dynalite = await ChildHelper.start('dynalite', './emulator-process.ts', ['dynalite']);
const s3rver = await ChildHelper.start('s3rver', './emulator-process.ts', ['s3rver', dir]);
try {
  const config: RunnelConfig = {
    region: 'us-east-1',
    ...DEFAULT_NAMES,
    s3Endpoint: await s3rver.call<string>('start'),
    dynamoDbEndpoint: await dynalite.call<string>('start'),
    credentials: LOCAL_CREDENTIALS,
  };
  await provisionStorage(createStorageClients(config), config);
  const body = segmentBody();
  const entry = `${'0'.repeat(22)}:${RECORDS_PER_REQUEST}:${body.byteLength}:${Date.now()}`;
  const clients = names.map((n) => VARIANTS[n]!(config));
  let calls = 0;
  const pair = async (c: StorageClients, worker: number) => {
    const n = calls++;
    await c.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: `sdk-ab/${worker}/${n}`, Body: body }));
    await c.dynamo.send(headAppendLike(config.logTable, `sdk-ab#${worker}#${Math.floor(n / 500)}`, entry, 1000));
  };
  const concurrency = Number(values.concurrency);
  const run = async (c: StorageClients, pairs: number) => {
    let left = pairs;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (left-- > 0) await pair(c, worker);
      }),
    );
  };
  for (const c of clients) await run(c, 300);
  const perPair: number[][] = names.map(() => []);
  const pairs = Number(values.pairs);
  const loads: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const order = names.map((_, i) => (i + r) % names.length);
    if (Math.floor(r / names.length) % 2) order.reverse();
    for (const i of order) {
      const before = cpuMs();
      await run(clients[i]!, pairs);
      perPair[i]!.push((cpuMs() - before) / pairs);
    }
    loads.push(loadavg()[0]!);
  }
  for (const [i, name] of names.entries()) {
    const diffs = perPair[i]!.map((m, r) => m - perPair[0]![r]!).sort((a, b) => a - b);
    const q = (f: number) => diffs[Math.floor(f * (diffs.length - 1))]!.toFixed(3);
    console.log(`${name.padEnd(12)} ${median(perPair[i]!).toFixed(3)} ms per pair   − ${names[0]}: ${median(diffs).toFixed(3)} ms (quartiles ${q(0.25)}, ${q(0.75)})`);
  }
  console.log(`load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; ${concurrency} concurrent, ${pairs} pairs per window, ${values.rounds} rounds`);
  for (const c of clients) {
    c.s3.destroy();
    c.dynamo.destroy();
  }
} finally {
  await Promise.all([dynalite.stop(), s3rver.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
