/**
 * CPU per committed batch (issue 10, deliver 2): how much CPU the Runnel server process spends on one
 * produce request of 100 records of 1 KiB (random bytes, base64 in JSON) to one partition.
 *
 * Three processes, so that only the server's CPU is counted:
 *  - storage: dynalite and s3rver (this file with `--storage`);
 *  - server (this file with `--server`): with `--via node` (the default) the HTTP app behind the Node
 *    server, serving the produce concern as the produce Lambda does (no appended-batch cache, no request
 *    log); with `--via lambda` the produce function's own handler, fed API Gateway events;
 *  - this process: the load generator. It sends pre-built bodies, one request at a time (or
 *    `--concurrency`), and reads the server's `process.cpuUsage()` over IPC before and after.
 *
 *   npx tsx bench/produce-cpu.ts [--via node|lambda] [--batches 400] [--warmup 200] [--concurrency 1] [--records 100]
 *                                [--value-bytes 1024] [--log-requests] [--cpu-prof DIR]
 *
 * Then, with the server stopped, a fourth process makes the same storage calls with the bare SDK
 * (bench/floor.ts) and reports its CPU per batch: what the SDK costs by itself.
 *
 * `--cpu-prof DIR` also profiles the server over the measured batches only (V8's sampling profiler,
 * the one `node --cpu-prof` runs, started and stopped through node:inspector so that start-up and
 * warm-up stay out), writes the .cpuprofile into DIR and prints where the time went (bench/cpu-profile.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMES, type RunnelConfig } from '../lib/config.js';
import { LOCAL_CREDENTIALS } from '../lib/local/emulators.js';
import { createServices } from '../lib/runtime.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { apiGatewayEvent, lambdaEnvironment } from '../test/support/lambda-bundles.js';
import { summariseProfileDir } from './cpu-profile.js';

const SELF = fileURLToPath(import.meta.url);
const TOPIC = 'cpu-per-batch';

type Message =
  | { kind: 'storage'; s3Endpoint: string; dynamoDbEndpoint: string }
  | { kind: 'listening'; url: string }
  | { kind: 'cpu'; user: number; system: number }
  | { kind: 'profiling' }
  | { kind: 'profiled' };

function waitFor<K extends Message['kind']>(child: ChildProcess, kind: K): Promise<Extract<Message, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Message) => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<Message, { kind: K }>);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending "${kind}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The storage process: dynalite in memory, s3rver in a scratch directory. */
async function runStorage(): Promise<void> {
  const { startDynalite, startS3rver } = await import('../lib/local/emulators.js');
  const dir = mkdtempSync(join(tmpdir(), 'runnel-cpu-s3-'));
  const dynamo = await startDynalite();
  const s3 = await startS3rver(dir);
  process.send!({ kind: 'storage', s3Endpoint: s3.endpoint, dynamoDbEndpoint: dynamo.endpoint } satisfies Message);
  process.once('disconnect', () => {
    void Promise.all([dynamo.close(), s3.close()]).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

/**
 * The storage floor's process: the bare SDK calls of one committed batch (bench/floor.ts: a PutObject of
 * a segment-sized body, then an UpdateItem of the head append's shape), one after another, on clients
 * built as Runnel builds them. Its CPU per batch is what the SDK costs by itself, the part of the
 * server's figure that Runnel's own code cannot remove.
 */
async function runFloor(): Promise<void> {
  const { storageFloor } = await import('./floor.js');
  const config = JSON.parse(process.env.FLOOR_CONFIG!) as RunnelConfig;
  const { op, close } = await storageFloor({ config, scenarioId: 'cpu-per-batch', maxTailEntries: 16 });
  const warmup = Number(process.env.FLOOR_WARMUP);
  const batches = Number(process.env.FLOOR_BATCHES);
  for (let i = 0; i < warmup; i++) await op(0);
  const before = process.cpuUsage();
  for (let i = 0; i < batches; i++) await op(0);
  const used = process.cpuUsage(before);
  close?.();
  process.send!({ kind: 'cpu', ...used } satisfies Message);
}

/**
 * The server process. `node`: the app behind the Node server, serving the produce concern as the
 * produce Lambda does (no appended-batch cache). `lambda`: the produce function's handler
 * (lambdas/produce.ts), fed API Gateway events as JSON text over HTTP and answering its result as
 * JSON, which is what the Lambda runtime's loop does around a handler. It answers CPU questions over IPC.
 */
async function runServer(): Promise<void> {
  const { createServer } = await import('node:http');
  let server: import('node:http').Server;
  if (process.env.VIA === 'lambda') {
    const { handler } = await import('../lambdas/produce.js');
    const context = { functionName: 'produce', memoryLimitInMB: '1024', getRemainingTimeInMillis: () => 30_000 };
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const result = await (handler as (event: unknown, context: unknown) => Promise<unknown>)(JSON.parse(Buffer.concat(chunks).toString('utf8')), context);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  } else {
    const { configFromEnv } = await import('../lib/config.js');
    const { createServices } = await import('../lib/runtime.js');
    const { createApp } = await import('../lib/http/app.js');
    const { createNodeServer } = await import('../lib/http/node-server.js');
    const runnel = createServices(configFromEnv(), { log: { cacheAppends: false } });
    server = createNodeServer(createApp(runnel, ['produce'], { logRequests: process.env.LOG_REQUESTS === '1' }));
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const profDir = process.env.CPU_PROF_DIR;
  const profiler = profDir ? new (await import('node:inspector/promises')).Session() : undefined;
  profiler?.connect();
  process.on('message', async (m: string) => {
    if (m === 'cpu') process.send!({ kind: 'cpu', ...process.cpuUsage() } satisfies Message);
    if (m === 'profile-start') {
      await profiler!.post('Profiler.enable');
      await profiler!.post('Profiler.start');
      process.send!({ kind: 'profiling' } satisfies Message);
    }
    if (m === 'profile-stop') {
      const { profile } = await profiler!.post('Profiler.stop');
      writeFileSync(join(profDir!, `server-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      process.send!({ kind: 'profiled' } satisfies Message);
    }
    if (m === 'exit') server.close(() => process.exit(0));
  });
  process.send!({ kind: 'listening', url: `http://127.0.0.1:${port}` } satisfies Message);
}

function requestBody(records: number, valueBytes: number): string {
  return JSON.stringify({
    records: Array.from({ length: records }, () => ({ value: randomBytes(valueBytes).toString('base64'), valueEncoding: 'base64', partition: 0 })),
  });
}

async function runLoad(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batches: { type: 'string', default: '400' },
      warmup: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '1' },
      records: { type: 'string', default: '100' },
      'value-bytes': { type: 'string', default: '1024' },
      'log-requests': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      via: { type: 'string', default: 'node' },
    },
  });
  if (values.via !== 'node' && values.via !== 'lambda') throw new Error(`--via is node or lambda, not ${values.via}`);
  const batches = Number(values.batches);
  const warmup = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  const records = Number(values.records);
  const valueBytes = Number(values['value-bytes']);

  const storage = fork(SELF, ['--storage'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const children: ChildProcess[] = [storage];
  try {
    const endpoints = await waitFor(storage, 'storage');
    const config: RunnelConfig = { region: 'us-east-1', ...DEFAULT_NAMES, ...endpoints, credentials: LOCAL_CREDENTIALS };
    const admin = createServices(config);
    await provisionStorage(admin.clients, config);
    await admin.admin.create({ name: TOPIC, partitions: 1 });
    const profDir = values['cpu-prof'];
    if (profDir) mkdirSync(profDir, { recursive: true });
    const server = fork(SELF, ['--server'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        ...lambdaEnvironment(config),
        VIA: values.via,
        LOG_REQUESTS: values['log-requests'] ? '1' : '0',
        ...(profDir ? { CPU_PROF_DIR: profDir } : {}),
      },
    });
    children.push(server);
    const { url } = await waitFor(server, 'listening');
    const path = `/v1/topics/${TOPIC}/records`;
    // A few distinct bodies, built before timing, so the generator's own work stays small and the server sees fresh bytes.
    const bodies = Array.from({ length: 8 }, () => requestBody(records, valueBytes));
    const lambdaEvent = (body: string) =>
      JSON.stringify(
        apiGatewayEvent({
          method: 'POST',
          url: new URL(`https://api.runnel.test${path}`),
          // API Gateway passes the request's headers on, its length among them.
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
          body,
          routeKey: 'POST /v1/topics/{topic}/records',
          pathParameters: { topic: TOPIC },
        }),
      );
    const requests = values.via === 'lambda' ? bodies.map(lambdaEvent) : bodies;
    const target = values.via === 'lambda' ? url : `${url}${path}`;
    let sent = 0;
    const send = async () => {
      const body = requests[sent++ % requests.length]!;
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      const status = values.via === 'lambda' ? (JSON.parse(text) as { statusCode: number }).statusCode : res.status;
      if (status !== 200) throw new Error(`produce answered ${status}: ${text.slice(0, 300)}`);
    };
    const run = async (n: number) => {
      let left = n;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left > 0) {
            left--;
            await send();
          }
        }),
      );
    };
    const ask = async <K extends Message['kind']>(question: string, kind: K) => {
      const reply = waitFor(server, kind);
      server.send(question);
      return reply;
    };
    const cpu = () => ask('cpu', 'cpu');
    await run(warmup);
    // The profiler's own sampling costs CPU: a profiled run's figure is a little high.
    if (profDir) await ask('profile-start', 'profiling');
    const before = await cpu();
    const started = performance.now();
    await run(batches);
    const wallMs = performance.now() - started;
    const after = await cpu();
    if (profDir) await ask('profile-stop', 'profiled');
    const userMs = (after.user - before.user) / 1000;
    const systemMs = (after.system - before.system) / 1000;
    const perBatch = (userMs + systemMs) / batches;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.send('exit');
    await exited;
    const result = {
      via: values.via,
      batches,
      warmup,
      concurrency,
      recordsPerBatch: records,
      valueBytes,
      bodyBytes: Buffer.byteLength(bodies[0]!),
      cpuMsPerBatch: round(perBatch, 3),
      userMsPerBatch: round(userMs / batches, 3),
      systemMsPerBatch: round(systemMs / batches, 3),
      wallMsPerBatch: round(wallMs / batches, 2),
      loadAverage: loadavg().map((l) => round(l, 2)),
    };
    // The floor runs after the server has stopped, so the two never share the cores.
    const floor = fork(SELF, ['--floor'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, FLOOR_CONFIG: JSON.stringify(config), FLOOR_WARMUP: String(warmup), FLOOR_BATCHES: String(batches) },
    });
    children.push(floor);
    const floorCpu = await waitFor(floor, 'cpu');
    const floorMs = (floorCpu.user + floorCpu.system) / 1000 / batches;
    console.log(JSON.stringify({ ...result, sdkFloorCpuMsPerBatch: round(floorMs, 3), runnelBeyondFloorMsPerBatch: round(perBatch - floorMs, 3) }, null, 2));
    if (profDir) console.log(summariseProfileDir(profDir));
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

if (process.argv.includes('--storage')) await runStorage();
else if (process.argv.includes('--server')) await runServer();
else if (process.argv.includes('--floor')) await runFloor();
else await runLoad();
