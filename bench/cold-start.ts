import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunnelFunction } from '../cdk/runnel.js';
import type { RunnelConfig } from '../lib/config.js';
import { CONCERNS, type Concern } from '../lib/contract/routes.js';
import { LOCAL_CREDENTIALS, startDynalite, startS3rver, type Emulator } from '../lib/local/emulators.js';
import { createServices } from '../lib/runtime.js';
import { createStorageClients } from '../lib/storage/clients.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { hostBundle } from '../test/support/bundle-host.js';
import { apiGatewayEvent, bundlesIn, lambdaEnvironment, synthWithCli } from '../test/support/lambda-bundles.js';
import type { BenchSection } from './section.js';

/** Issue 10's targets for the API's functions, per bundle on this machine. */
export const MAX_BUNDLE_BYTES = 400_000;
export const MAX_INIT_MS = 150;

/** The functions API Gateway invokes, one per concern of the route table: the targets are theirs. */
const isApiFunction = (name: RunnelFunction): name is Concern => (CONCERNS as readonly string[]).includes(name);

export interface BundleColdStart {
  name: RunnelFunction;
  bytes: number;
  /** Import plus first invocation: what a cold start adds to the first request (median of the runs). */
  initMs: number;
  importMs: number;
  /** Undefined for a function with no first event here (the stream dispatcher, the custom resource): import only. */
  firstInvocationMs: number | undefined;
  /**
   * The same event again on the same instance: the request's own work. The first invocation less this is
   * what being cold costs the first request (the SDK's first requests, code V8 compiles on first call).
   */
  warmInvocationMs: number | undefined;
}

export interface ColdStartOptions {
  /** A synthesized cloud assembly to measure; by default one is synthesized (and timed) with the CDK CLI. */
  cdkOut?: string;
  /** Storage the first invocations talk to; by default dynalite and s3rver are started for the run. */
  config?: RunnelConfig;
  /** Fresh instances per bundle; the median is reported. */
  runs?: number;
  log?: (message: string) => void;
}

/**
 * A request each function's first invocation serves, reaching storage as real traffic does. The
 * dispatcher is woken only by stream records of subscribed topics and the custom resource only by
 * CloudFormation (whose answer URL it calls): their import is measured alone.
 */
export function firstEvent(name: RunnelFunction, topic: string): unknown {
  const api = (method: string, path: string, routePath: string, body?: unknown) =>
    apiGatewayEvent({
      method,
      url: new URL(`https://api.runnel.test${path}`),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      routeKey: `${method} ${routePath}`,
    });
  switch (name) {
    case 'produce':
      return api('POST', `/v1/topics/${topic}/records`, '/v1/topics/{topic}/records', { records: [{ key: 'k', value: { cold: true } }] });
    case 'fetch':
      return api('GET', `/v1/topics/${topic}/partitions/0/records?offset=0`, '/v1/topics/{topic}/partitions/{partition}/records');
    case 'admin':
      return api('GET', `/v1/topics/${topic}`, '/v1/topics/{topic}');
    case 'groups':
      return api('GET', '/v1/groups', '/v1/groups');
    case 'maintenance':
      return { sweepOrphans: false };
    default:
      return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Size and cold-start time of every Lambda bundle the CDK app synthesizes. Each run loads a bundle in a
 * fresh worker thread (its own module graph, as a new Lambda instance) and times the import and the
 * first invocation against local storage. Node itself is already up, as the Lambda runtime's is.
 */
export async function coldStart(options: ColdStartOptions = {}): Promise<BundleColdStart[]> {
  const log = options.log ?? (() => {});
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    let cdkOut = options.cdkOut;
    if (!cdkOut) {
      const dir = mkdtempSync(join(tmpdir(), 'runnel-cold-start-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const { ms } = synthWithCli(dir);
      log(`cdk synth (CLI, cdk-nag; bundles prebuilt unless stale) took ${Math.round(ms)} ms`);
      cdkOut = dir;
    }
    let config = options.config;
    if (!config) {
      const dir = mkdtempSync(join(tmpdir(), 'runnel-cold-start-data-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const emulators: Emulator[] = [await startDynalite(), await startS3rver(join(dir, 's3'))];
      cleanup.unshift(async () => void (await Promise.all(emulators.map((e) => e.close()))));
      config = {
        region: 'us-east-1',
        bucket: 'runnel-cold-start',
        topicsTable: 'cold-topics',
        logTable: 'cold-log',
        groupsTable: 'cold-groups',
        dynamoDbEndpoint: emulators[0]!.endpoint,
        s3Endpoint: emulators[1]!.endpoint,
        credentials: LOCAL_CREDENTIALS,
      };
      await provisionStorage(createStorageClients(config), config);
    }
    const topic = `cold-start-${Date.now().toString(36)}`;
    const runnel = createServices(config);
    await runnel.admin.create({ name: topic, partitions: 1 });
    await runnel.produce.produce(topic, { records: [{ key: 'k', value: 'warm data' }] });

    const results: BundleColdStart[] = [];
    for (const bundle of bundlesIn(cdkOut)) {
      const event = firstEvent(bundle.name, topic);
      const runs: Array<{ importMs: number; firstInvocationMs: number; warmInvocationMs: number }> = [];
      for (let i = 0; i < (options.runs ?? 5); i++) {
        const host = await hostBundle(bundle.file, bundle.name, lambdaEnvironment(config, bundle.name));
        try {
          const invoke = async () => {
            const { result, ms } = await host.invoke(event);
            const status = (result as { statusCode?: number } | undefined)?.statusCode;
            if (status !== undefined && status >= 400) throw new Error(`${bundle.name}: invocation answered ${status}: ${(result as { body?: string }).body}`);
            return ms;
          };
          const firstInvocationMs = event === undefined ? 0 : await invoke();
          const warmInvocationMs = event === undefined ? 0 : await invoke();
          runs.push({ importMs: host.importMs, firstInvocationMs, warmInvocationMs });
        } finally {
          await host.close();
        }
      }
      const importMs = median(runs.map((r) => r.importMs));
      const firstInvocationMs = event === undefined ? undefined : median(runs.map((r) => r.firstInvocationMs));
      const warmInvocationMs = event === undefined ? undefined : median(runs.map((r) => r.warmInvocationMs));
      const initMs = median(runs.map((r) => r.importMs + r.firstInvocationMs));
      results.push({ name: bundle.name, bytes: bundle.bytes, initMs, importMs, firstInvocationMs, warmInvocationMs });
      log(
        `${bundle.name}: ${bundle.bytes} bytes, init ${initMs.toFixed(0)} ms (import ${importMs.toFixed(0)} + first invocation ${firstInvocationMs?.toFixed(0) ?? 'not measured'}; warm ${warmInvocationMs?.toFixed(0) ?? '-'})`,
      );
    }
    return results;
  } finally {
    for (const step of cleanup) await step();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
const optional = (n: number | undefined) => (n === undefined ? '—' : round(n));

/** The cold-start section of `npm run bench`, on the bench's own embedded storage. */
export const coldStartSection: BenchSection<BundleColdStart[]> = {
  name: 'coldStart',
  async run(ctx) {
    const results = await coldStart({ config: ctx.stack.runnel.config, runs: ctx.quick ? 1 : 5, log: ctx.log });
    return {
      results,
      tables: [
        {
          title: 'Lambda bundles: size and cold start (import + first invocation, median of fresh instances)',
          columns: ['function', 'bundle KB', 'init ms', 'import ms', 'first invocation ms', 'warm invocation ms'],
          rows: results.map((r) => [r.name, round(r.bytes / 1000), round(r.initMs), round(r.importMs), optional(r.firstInvocationMs), optional(r.warmInvocationMs)]),
          notes: [
            'Bundles from a real `cdk synth`; the first invocation talks to the bench storage. Node startup itself is not counted.',
            "Targets apply to the API's functions (admin, fetch, groups, produce). Maintenance's first invocation is a whole maintenance pass over the bench's partitions (its warm invocation, the same pass again, shows how much of it is the job); the dispatcher, the custom resource and the wake sockets' $connect and notifier are imported only.",
          ],
        },
      ],
      targets: results
        .filter((r) => isApiFunction(r.name))
        .flatMap((r) => [
          { target: 'bundle size (bytes)', scenario: r.name, value: r.bytes, limit: MAX_BUNDLE_BYTES, pass: r.bytes < MAX_BUNDLE_BYTES },
          { target: 'cold start init (ms)', scenario: r.name, value: round(r.initMs), limit: MAX_INIT_MS, pass: r.initMs < MAX_INIT_MS },
        ]),
    };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await coldStart({ log: (m) => process.stderr.write(`${m}\n`) });
  console.table(results.map((r) => ({ ...r, initMs: round(r.initMs), importMs: round(r.importMs), firstInvocationMs: optional(r.firstInvocationMs), warmInvocationMs: optional(r.warmInvocationMs) })));
}
