/**
 * CPU per committed batch (issue 10, deliver 2): how much CPU the Runnel server process spends on one
 * produce request of 100 records of 1 KiB (random bytes, base64 in JSON) to one partition.
 *
 * Three processes, so that only the server's CPU is counted:
 *  - storage: dynalite and s3rver (this file with `--storage`);
 *  - server: the HTTP app behind the Node server, serving the produce concern as the produce Lambda
 *    does (no appended-batch cache, no request log), on the storage above (this file with `--server`);
 *  - this process: the load generator. It sends pre-built bodies, one request at a time (or
 *    `--concurrency`), and reads the server's `process.cpuUsage()` over IPC before and after.
 *
 *   npx tsx bench/produce-cpu.ts [--batches 400] [--warmup 200] [--concurrency 1] [--records 100]
 *                                [--value-bytes 1024] [--log-requests] [--cpu-prof DIR]
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

/** The server process: the app on the storage named by the environment, answering CPU questions over IPC. */
async function runServer(): Promise<void> {
  const { DEFAULT_NAMES } = await import('../lib/config.js');
  const { LOCAL_CREDENTIALS } = await import('../lib/local/emulators.js');
  const { createServices } = await import('../lib/runtime.js');
  const { provisionStorage } = await import('../lib/storage/provision.js');
  const { createApp } = await import('../lib/http/app.js');
  const { createNodeServer, listen } = await import('../lib/http/node-server.js');
  const config = {
    region: 'us-east-1',
    ...DEFAULT_NAMES,
    s3Endpoint: process.env.RUNNEL_S3_ENDPOINT!,
    dynamoDbEndpoint: process.env.RUNNEL_DYNAMODB_ENDPOINT!,
    credentials: LOCAL_CREDENTIALS,
  };
  // As the produce Lambda is built (lib/http/lambda.ts): it never serves the fetches that would read its batches.
  const runnel = createServices(config, { log: { cacheAppends: false } });
  await provisionStorage(runnel.clients, config);
  await runnel.admin.create({ name: TOPIC, partitions: 1 });
  const server = createNodeServer(createApp(runnel, ['produce'], { logRequests: process.env.LOG_REQUESTS === '1' }));
  await listen(server, 0, '127.0.0.1');
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
    },
  });
  const batches = Number(values.batches);
  const warmup = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  const records = Number(values.records);
  const valueBytes = Number(values['value-bytes']);

  const storage = fork(SELF, ['--storage'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const children: ChildProcess[] = [storage];
  try {
    const endpoints = await waitFor(storage, 'storage');
    const profDir = values['cpu-prof'];
    if (profDir) mkdirSync(profDir, { recursive: true });
    const server = fork(SELF, ['--server'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        RUNNEL_S3_ENDPOINT: endpoints.s3Endpoint,
        RUNNEL_DYNAMODB_ENDPOINT: endpoints.dynamoDbEndpoint,
        LOG_REQUESTS: values['log-requests'] ? '1' : '0',
        ...(profDir ? { CPU_PROF_DIR: profDir } : {}),
      },
    });
    children.push(server);
    const { url } = await waitFor(server, 'listening');
    const target = `${url}/v1/topics/${TOPIC}/records`;
    // A few distinct bodies, built before timing, so the generator's own work stays small and the server sees fresh bytes.
    const bodies = Array.from({ length: 8 }, () => requestBody(records, valueBytes));
    let sent = 0;
    const send = async () => {
      const body = bodies[sent++ % bodies.length]!;
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`produce answered ${res.status}: ${text.slice(0, 300)}`);
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
    const result = {
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
    console.log(JSON.stringify(result, null, 2));
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.send('exit');
    await exited;
    if (profDir) console.log(summariseProfileDir(profDir));
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

if (process.argv.includes('--storage')) await runStorage();
else if (process.argv.includes('--server')) await runServer();
else await runLoad();
