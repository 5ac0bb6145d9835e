/**
 * CPU per committed batch (issue 10, deliver 2): how much CPU the Runnel server process spends on one
 * produce request of 100 records of 1 KiB (random bytes), in the body the client sends by default (CBOR,
 * values as byte strings) or, with `--body json`, as base64 in JSON.
 *
 * Four processes, so that only the server's CPU is counted, and the server runs no bench code:
 *  - storage: dynalite and s3rver (this file with `--storage`). The AWS latency profile, when on, is
 *    applied here: each PutObject and UpdateItem answer is held until its sampled service time has
 *    passed (bench/latency-profile.ts's seeded log-normals), so the server waits as it would on AWS
 *    without a bench middleware or timer of its own in the CPU being measured;
 *  - server (this file with `--server`): with `--via node` (the default) the HTTP app behind the Node
 *    server, serving the produce concern as the produce Lambda does (no appended-batch cache, no request
 *    log); with `--via lambda` the produce function's own handler, fed API Gateway events;
 *  - the storage floor (`--floor`): the same PutObject and UpdateItem with the bare SDK (bench/floor.ts),
 *    on clients built as Runnel builds them: what the SDK costs by itself;
 *  - this process: the load generator. Producers send pre-built bodies, each its next request when the
 *    previous one is answered, producer i to partition i mod partitions; the server's
 *    `process.cpuUsage()` is read over IPC before and after each window.
 *
 *   npx tsx bench/produce-cpu.ts [--scenario 1x1|8x8]... [--profile none|aws]... [--matrix] [--rounds 1]
 *                                [--via node|lambda] [--batches 400] [--warmup 200] [--log-requests]
 *                                [--cpu-prof DIR] [--out FILE] [--compare DIR] [--body cbor|json]...
 *
 * `--matrix` is every scenario under both profiles, three rounds. Each round measures every combination
 * in turn, the server's window then the floor's, so that a figure and its floor see the same machine;
 * the report gives each combination's median over the rounds. `--out` also writes the results as JSON.
 * `--compare DIR` also runs the server of another checkout (a `git worktree` of the commit before a
 * change, with this bench file) in the same turns, first and second by turns, and reports this one's
 * figure divided by the other's for each round: a before/after ratio on the same machine at the same time.
 *
 * `--body` is the request body: `cbor` (`binary` is the same), the client's default, or `json`. Given
 * twice (`--body cbor --body json`), both are measured in the same turns, one after the other.
 *
 * `--cpu-prof DIR` also profiles the server and the floor over their first round's measured windows
 * (V8's sampling profiler, the one `node --cpu-prof` runs, started and stopped through node:inspector
 * so that start-up and warm-up stay out), writes the .cpuprofile files into DIR and prints where the
 * time went (bench/cpu-profile.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMES, type RunnelConfig } from '../lib/config.js';
import { LOCAL_CREDENTIALS } from '../lib/local/emulators.js';
import { createServices } from '../lib/runtime.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { apiGatewayEvent, lambdaEnvironment } from '../test/support/lambda-bundles.js';
import { summariseProfileDir } from './cpu-profile.js';
import { DEFAULT_PROFILE_SEED } from './latency-profile.js';
import { lambdaCost } from './produce.js';
import { DEFAULT_BODY_FORMAT, produceBody } from './workload.js';
import type { BodyFormat } from '../lib/client/message.js';

const SELF = fileURLToPath(import.meta.url);

export interface CpuScenario {
  label: string;
  producers: number;
  partitions: number;
}

export const CPU_SCENARIOS: readonly CpuScenario[] = [
  { label: '1x1', producers: 1, partitions: 1 },
  { label: '8x8', producers: 8, partitions: 8 },
];

type ProfileName = 'none' | 'aws';

type Message =
  | { kind: 'storage'; s3Endpoint: string; dynamoDbEndpoint: string }
  | { kind: 'latency-set' }
  | { kind: 'listening'; url: string }
  | { kind: 'cpu'; user: number; system: number }
  | { kind: 'profiling' }
  | { kind: 'profiled' }
  | { kind: 'floor-ready' }
  | { kind: 'floor-done'; user: number; system: number };

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

/** Sends `message` to `child` and waits for its answer of kind `kind`. */
function ask<K extends Message['kind']>(child: ChildProcess, message: unknown, kind: K): Promise<Extract<Message, { kind: K }>> {
  const reply = waitFor(child, kind);
  child.send(message as string);
  return reply;
}

/**
 * The storage process: dynalite in memory, s3rver in a scratch directory, and the latency profile on
 * their answers. It serves nothing but the emulators, so holding back every `ServerResponse.end` of the
 * process is holding back exactly the emulators' answers; `http.server.request.start` says when each
 * request arrived and which call it is.
 */
async function runStorage(): Promise<void> {
  const { startDynalite, startS3rver } = await import('../lib/local/emulators.js');
  const { AWS_PROFILE, ServiceTimeSampler } = await import('./latency-profile.js');
  const { subscribe } = await import('node:diagnostics_channel');
  const { ServerResponse } = await import('node:http');
  const sampler = new ServiceTimeSampler(AWS_PROFILE, 0);
  let enabled = false;
  const due = new WeakMap<object, number>();
  subscribe('http.server.request.start', (message) => {
    if (!enabled) return;
    const { request, response } = message as { request: import('node:http').IncomingMessage; response: object };
    const serviceMs = sampler.draw(commandOf(request));
    if (serviceMs !== undefined) due.set(response, performance.now() + serviceMs);
  });
  const end = ServerResponse.prototype.end as (this: import('node:http').ServerResponse, ...args: unknown[]) => unknown;
  (ServerResponse.prototype as unknown as { end: typeof end }).end = function (this: import('node:http').ServerResponse, ...args: unknown[]) {
    const left = (due.get(this) ?? 0) - performance.now();
    if (left <= 0) return end.apply(this, args);
    setTimeout(() => end.apply(this, args), left);
    return this;
  };
  const dir = mkdtempSync(join(tmpdir(), 'runnel-cpu-s3-'));
  const dynamo = await startDynalite();
  const s3 = await startS3rver(dir);
  process.on('message', (m: { kind: string; profile?: ProfileName; seed?: number }) => {
    if (m.kind !== 'latency') return;
    enabled = m.profile === 'aws';
    sampler.reset(m.seed);
    process.send!({ kind: 'latency-set' } satisfies Message);
  });
  process.send!({ kind: 'storage', s3Endpoint: s3.endpoint, dynamoDbEndpoint: dynamo.endpoint } satisfies Message);
  process.once('disconnect', () => {
    // A client's idle keep-alive connection can hold a server's close open: do not wait for it for long.
    setTimeout(() => process.exit(0), 2000).unref();
    void Promise.all([dynamo.close(), s3.close()]).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

/** The SDK command a request to an emulator is, as the latency profile names it: `UpdateItemCommand`, `PutObjectCommand`. */
function commandOf(request: import('node:http').IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return `${target.slice(target.indexOf('.') + 1)}Command`;
  // Path-style S3: /bucket/key for an object, /bucket for the bucket.
  const isObject = (request.url ?? '').split('?')[0]!.split('/').length > 2;
  if (request.method === 'PUT' && isObject) return 'PutObjectCommand';
  if (request.method === 'GET' && isObject) return 'GetObjectCommand';
  return '';
}

/**
 * The storage floor's process: the bare SDK calls of one committed batch (bench/floor.ts: a PutObject of
 * a segment-sized body, then an UpdateItem of the head append's shape), each worker one after another,
 * on clients built as Runnel builds them. It runs windows on request; its CPU per batch is what the SDK
 * costs by itself, the part of the server's figure that Runnel's own code cannot remove.
 */
async function runFloor(): Promise<void> {
  const { storageFloor } = await import('./floor.js');
  const config = JSON.parse(process.env.FLOOR_CONFIG!) as RunnelConfig;
  const { op } = await storageFloor({ config, scenarioId: 'cpu-per-batch', maxTailEntries: 16 });
  const profDir = process.env.CPU_PROF_DIR;
  const profiler = profDir ? new (await import('node:inspector/promises')).Session() : undefined;
  profiler?.connect();
  const run = async (workers: number, batches: number) => {
    let left = batches;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        while (left > 0) {
          left--;
          await op(w);
        }
      }),
    );
  };
  process.on('message', async (m: { kind: string; workers: number; warmup: number; batches: number; profileName?: string }) => {
    if (m.kind !== 'floor') return;
    await run(m.workers, m.warmup);
    if (profiler && m.profileName) {
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const before = process.cpuUsage();
    await run(m.workers, m.batches);
    const used = process.cpuUsage(before);
    if (profiler && m.profileName) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(profDir!, `floor-${m.profileName}.cpuprofile`), JSON.stringify(profile));
    }
    process.send!({ kind: 'floor-done', ...used } satisfies Message);
  });
  process.send!({ kind: 'floor-ready' } satisfies Message);
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
  process.on('message', async (m: string | { kind: 'profile-stop'; name: string }) => {
    if (m === 'cpu') process.send!({ kind: 'cpu', ...process.cpuUsage() } satisfies Message);
    if (m === 'profile-start') {
      await profiler!.post('Profiler.enable');
      await profiler!.post('Profiler.start');
      process.send!({ kind: 'profiling' } satisfies Message);
    }
    if (typeof m === 'object' && m.kind === 'profile-stop') {
      const { profile } = await profiler!.post('Profiler.stop');
      writeFileSync(join(profDir!, `server-${m.name}.cpuprofile`), JSON.stringify(profile));
      process.send!({ kind: 'profiled' } satisfies Message);
    }
    if (m === 'exit') server.close(() => process.exit(0));
  });
  process.send!({ kind: 'listening', url: `http://127.0.0.1:${port}` } satisfies Message);
}

/** One combination's figures over the rounds: per-round values and their medians, in ms per committed batch. */
export interface CpuCombination {
  /** `this` checkout's server, or the `--compare` one's (its directory's name). */
  server: string;
  /** The request body: the client's default (CBOR) or JSON. */
  body: BodyFormat;
  scenario: string;
  profile: ProfileName;
  batches: number;
  cpuMsPerBatch: number[];
  userMsPerBatch: number[];
  systemMsPerBatch: number[];
  wallMsPerBatch: number[];
  sdkFloorCpuMsPerBatch: number[];
  median: { cpuMs: number; systemMs: number; wallMs: number; sdkFloorMs: number; beyondFloorMs: number };
  lambdaGbSecondsPerBatch: number;
  dollarsPerMillionRecords: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function runLoad(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', multiple: true },
      profile: { type: 'string', multiple: true },
      matrix: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      batches: { type: 'string' },
      warmup: { type: 'string', default: '200' },
      'log-requests': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      via: { type: 'string', default: 'node' },
      out: { type: 'string' },
      compare: { type: 'string' },
      body: { type: 'string', multiple: true },
    },
  });
  const bodies = (values.body ?? [DEFAULT_BODY_FORMAT]).map((b): BodyFormat => {
    if (b === 'binary') return 'cbor';
    if (b !== 'cbor' && b !== 'json') throw new Error(`--body is cbor (or binary) or json, not ${b}`);
    return b;
  });
  if (values.via !== 'node' && values.via !== 'lambda') throw new Error(`--via is node or lambda, not ${values.via}`);
  const scenarioLabels = values.scenario ?? (values.matrix ? CPU_SCENARIOS.map((s) => s.label) : ['1x1']);
  const scenarios = scenarioLabels.map((label) => {
    const s = CPU_SCENARIOS.find((c) => c.label === label);
    if (!s) throw new Error(`--scenario is one of ${CPU_SCENARIOS.map((c) => c.label).join(', ')}, not ${label}`);
    return s;
  });
  const profiles = (values.profile ?? (values.matrix ? ['none', 'aws'] : ['none'])).map((p) => {
    if (p !== 'none' && p !== 'aws') throw new Error(`--profile is none or aws, not ${p}`);
    return p as ProfileName;
  });
  const rounds = Number(values.rounds ?? (values.matrix ? 3 : 1));
  const warmup = Number(values.warmup);
  // Under the profile a 1×1 batch takes ≈ 40 ms of waiting: fewer batches keep its window near 10 s.
  const batchesFor = (profile: ProfileName) => Number(values.batches ?? (profile === 'aws' ? 250 : 400));

  const storage = fork(SELF, ['--storage'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const children: ChildProcess[] = [storage];
  let admin: ReturnType<typeof createServices> | undefined;
  try {
    const endpoints = await waitFor(storage, 'storage');
    const config: RunnelConfig = { region: 'us-east-1', ...DEFAULT_NAMES, ...endpoints, credentials: LOCAL_CREDENTIALS };
    admin = createServices(config);
    await provisionStorage(admin.clients, config);
    const topicOf = (s: CpuScenario) => `cpu-per-batch-${s.label}`;
    for (const s of scenarios) await admin.admin.create({ name: topicOf(s), partitions: s.partitions });
    const profDir = values['cpu-prof'];
    if (profDir) mkdirSync(profDir, { recursive: true });
    const childEnv = { ...process.env, ...(profDir ? { CPU_PROF_DIR: profDir } : {}) };
    // `--compare DIR`: the same server from another checkout (its own bench/produce-cpu.ts and lib/), measured
    // in the same windows' turns, so that a before/after ratio sees the same machine.
    const serverRoots = [{ name: 'this', root: join(dirname(SELF), '..') }, ...(values.compare ? [{ name: basename(resolve(values.compare)), root: resolve(values.compare) }] : [])];
    const servers = serverRoots.map(({ name, root }) => {
      const child = fork(join(root, 'bench', 'produce-cpu.ts'), ['--server'], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...childEnv, ...lambdaEnvironment(config), VIA: values.via, LOG_REQUESTS: values['log-requests'] ? '1' : '0' },
      });
      children.push(child);
      return { name, child, url: '' };
    });
    const floor = fork(SELF, ['--floor'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...childEnv, FLOOR_CONFIG: JSON.stringify(config) },
    });
    children.push(floor);
    await waitFor(floor, 'floor-ready');
    for (const server of servers) server.url = (await waitFor(server.child, 'listening')).url;

    // A few distinct bodies per partition, built before timing, so the generator's own work stays small and the server sees fresh bytes.
    const requestsFor = (s: CpuScenario, format: BodyFormat) => {
      const path = `/v1/topics/${topicOf(s)}/records`;
      return Array.from({ length: s.partitions }, (_, p) =>
        Array.from({ length: 4 }, () => {
          const body = produceBody(p, format);
          if (values.via !== 'lambda') return body;
          // A CBOR body arrives base64, with isBase64Encoded, as API Gateway passes a binary body on.
          return JSON.stringify(
            apiGatewayEvent({
              method: 'POST',
              url: new URL(`https://api.runnel.test${path}`),
              // API Gateway passes the request's headers on, its length among them.
              headers: { 'content-type': contentType(format), 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.length) },
              body,
              routeKey: 'POST /v1/topics/{topic}/records',
              pathParameters: { topic: topicOf(s) },
            }),
          );
        }),
      );
    };
    const contentType = (format: BodyFormat) => (format === 'cbor' ? 'application/cbor' : 'application/json');
    const requests = new Map(scenarios.flatMap((s) => bodies.map((format) => [`${s.label} ${format}`, requestsFor(s, format)] as const)));
    const load = async (url: string, s: CpuScenario, batches: number, format: BodyFormat) => {
      const target = values.via === 'lambda' ? url : `${url}/v1/topics/${topicOf(s)}/records`;
      const bodies = requests.get(`${s.label} ${format}`)!;
      // The Lambda stand-in takes the event as JSON, whatever the body inside it.
      const type = values.via === 'lambda' ? 'application/json' : contentType(format);
      let left = batches;
      await Promise.all(
        Array.from({ length: s.producers }, async (_, w) => {
          const mine = bodies[w % s.partitions]!;
          for (let sent = 0; left > 0; sent++) {
            left--;
            const res = await fetch(target, { method: 'POST', headers: { 'content-type': type }, body: mine[sent % mine.length]! });
            const text = await res.text();
            const status = values.via === 'lambda' ? (JSON.parse(text) as { statusCode: number }).statusCode : res.status;
            if (status !== 200) throw new Error(`produce answered ${status}: ${text.slice(0, 300)}`);
          }
        }),
      );
    };
    const setLatency = (profile: ProfileName) => ask(storage, { kind: 'latency', profile, seed: DEFAULT_PROFILE_SEED }, 'latency-set');

    const figures = new Map<string, { cpu: number[]; user: number[]; system: number[]; wall: number[]; floor: number[] }>();
    // Each server measured with each body in turn: `${server} ${body}`.
    const measured = servers.flatMap((server) => bodies.map((body) => ({ server, body, name: bodies.length > 1 || values.body ? `${server.name} ${body}` : server.name })));
    // A longer warm-up before the first round: after only the per-window one, the first round's figures
    // ran 30-50 % above the later rounds' (code still being optimised, the old generation still growing).
    await setLatency('none');
    for (const { server, body } of measured) for (const s of scenarios) await load(server.url, s, 5 * warmup, body);
    const loadAverages: number[][] = [loadavg()];
    for (let r = 0; r < rounds; r++) {
      for (const profile of profiles) {
        for (const s of scenarios) {
          const batches = batchesFor(profile);
          // With two servers or bodies, each round swaps which goes first.
          for (const { server, body, name } of r % 2 ? [...measured].reverse() : measured) {
            const key = `${s.label} ${profile} ${name}`;
            const profileName = profDir && r === 0 ? `${s.label}-${profile}${measured.length > 1 ? `-${name.replace(' ', '-')}` : ''}` : undefined;
            await setLatency('none');
            await load(server.url, s, warmup, body);
            // Both the system and its floor start from the same seed, so the k-th PutObject of each draws the same service time.
            await setLatency(profile);
            // The profiler's own sampling costs CPU: a profiled window's figure is a little high.
            if (profileName) await ask(server.child, 'profile-start', 'profiling');
            const before = await ask(server.child, 'cpu', 'cpu');
            const started = performance.now();
            await load(server.url, s, batches, body);
            const wallMs = performance.now() - started;
            const after = await ask(server.child, 'cpu', 'cpu');
            if (profileName) await ask(server.child, { kind: 'profile-stop', name: profileName }, 'profiled');
            const f = figures.get(key) ?? { cpu: [], user: [], system: [], wall: [], floor: [] };
            const user = (after.user - before.user) / 1000 / batches;
            const system = (after.system - before.system) / 1000 / batches;
            f.cpu.push(round(user + system, 3));
            f.user.push(round(user, 3));
            f.system.push(round(system, 3));
            f.wall.push(round(wallMs / batches, 2));
            figures.set(key, f);
          }
          await setLatency('none');
          await ask(floor, { kind: 'floor', workers: s.producers, warmup: Math.min(warmup, 100), batches: 0 }, 'floor-done');
          await setLatency(profile);
          const floorName = profDir && r === 0 ? `${s.label}-${profile}` : undefined;
          const floorCpu = await ask(floor, { kind: 'floor', workers: s.producers, warmup: 0, batches, profileName: floorName }, 'floor-done');
          const floorMs = round((floorCpu.user + floorCpu.system) / 1000 / batches, 3);
          for (const { name } of measured) figures.get(`${s.label} ${profile} ${name}`)!.floor.push(floorMs);
          const each = measured.map(({ name }) => `${name} ${figures.get(`${s.label} ${profile} ${name}`)!.cpu.at(-1)}`).join(', ');
          process.stderr.write(`[cpu] round ${r + 1} ${s.label} ${profile}: server ms/batch ${each}; SDK floor ${floorMs}; load ${loadavg()[0]!.toFixed(2)}\n`);
        }
      }
      loadAverages.push(loadavg());
    }
    await setLatency('none');
    const combinations: CpuCombination[] = [...figures].map(([key, f]) => {
      const [scenario, profile, ...name] = key.split(' ') as [string, ProfileName, ...string[]];
      const { server, body } = measured.find((m) => m.name === name.join(' '))!;
      const cpuMs = round(median(f.cpu), 3);
      const sdkFloorMs = round(median(f.floor), 3);
      const cost = lambdaCost(cpuMs);
      return {
        server: server.name,
        body,
        scenario,
        profile,
        batches: batchesFor(profile),
        cpuMsPerBatch: f.cpu,
        userMsPerBatch: f.user,
        systemMsPerBatch: f.system,
        wallMsPerBatch: f.wall,
        sdkFloorCpuMsPerBatch: f.floor,
        median: { cpuMs, systemMs: round(median(f.system), 3), wallMs: round(median(f.wall), 2), sdkFloorMs, beyondFloorMs: round(cpuMs - sdkFloorMs, 3) },
        lambdaGbSecondsPerBatch: cost.lambdaGbSeconds,
        dollarsPerMillionRecords: cost.dollarsPerMillionRecords,
      };
    });
    const result = {
      timestamp: new Date().toISOString(),
      via: values.via,
      rounds,
      warmup,
      recordsPerBatch: 100,
      valueBytes: 1024,
      node: process.version,
      loadAverages: loadAverages.map((l) => l.map((x) => round(x, 2))),
      combinations,
    };
    await Promise.all(
      servers.map(({ child }) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send('exit');
        return exited;
      }),
    );
    // With --compare: each round's figure of the other server divided by this one's, for the same window's turn.
    const ratios = servers.length > 1
      ? combinations
          .filter((c) => c.server === 'this')
          .map((c) => {
            const other = combinations.find((o) => o.server !== 'this' && o.body === c.body && o.scenario === c.scenario && o.profile === c.profile)!;
            const perRound = c.cpuMsPerBatch.map((ms, i) => round(ms / other.cpuMsPerBatch[i]!, 3));
            return { scenario: c.scenario, profile: c.profile, body: c.body, thisOverOther: perRound, median: round(median(perRound), 3) };
          })
      : undefined;
    // With both bodies: each round's CBOR figure divided by the JSON one's, measured in the same turn.
    const bodyRatios = bodies.length > 1
      ? combinations
          .filter((c) => c.body === 'cbor')
          .flatMap((c) => {
            const json = combinations.find((o) => o.body === 'json' && o.server === c.server && o.scenario === c.scenario && o.profile === c.profile);
            if (!json) return [];
            const perRound = c.cpuMsPerBatch.map((ms, i) => round(ms / json.cpuMsPerBatch[i]!, 3));
            return [{ server: c.server, scenario: c.scenario, profile: c.profile, cborOverJson: perRound, median: round(median(perRound), 3) }];
          })
      : undefined;
    console.log(
      [
        `server CPU per committed batch (--via ${values.via}), median of ${rounds} round(s); load average ${result.loadAverages.map((l) => l[0]).join(' → ')}`,
        'server          body  scenario  profile  server ms  (system)  SDK floor ms  beyond floor  wall ms  each round',
        ...combinations.map(
          (c) =>
            `${c.server.padEnd(14)}  ${c.body.padEnd(4)}  ${c.scenario.padEnd(8)}  ${c.profile.padEnd(7)}  ${c.median.cpuMs.toFixed(2).padStart(9)}  ${c.median.systemMs.toFixed(2).padStart(8)}  ${c.median.sdkFloorMs.toFixed(2).padStart(12)}  ${c.median.beyondFloorMs.toFixed(2).padStart(12)}  ${c.median.wallMs.toFixed(1).padStart(7)}  ${c.cpuMsPerBatch.join(', ')}`,
        ),
        ...(ratios ?? []).map((r) => `this ÷ ${servers[1]!.name}, ${r.body} ${r.scenario} ${r.profile}: median ${r.median} (rounds ${r.thisOverOther.join(', ')})`),
        ...(bodyRatios ?? []).map((r) => `cbor ÷ json, ${r.server} ${r.scenario} ${r.profile}: median ${r.median} (rounds ${r.cborOverJson.join(', ')})`),
      ].join('\n'),
    );
    if (values.out) writeFileSync(values.out, `${JSON.stringify({ ...result, ...(ratios ? { compare: values.compare, ratios } : {}), ...(bodyRatios ? { bodyRatios } : {}) }, null, 2)}\n`);
    if (profDir) console.log(summariseProfileDir(profDir));
  } finally {
    admin?.clients.s3.destroy();
    admin?.clients.dynamo.destroy();
    for (const child of children) if (child.connected) child.disconnect();
  }
}

if (process.argv.includes('--storage')) await runStorage();
else if (process.argv.includes('--server')) await runServer();
else if (process.argv.includes('--floor')) await runFloor();
else await runLoad();
