import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runnel, type Consumer } from '../lib/index.js';
import { DEFAULT_IDLE_BACKOFF } from '../lib/client/member-fetcher.js';
import { createServices } from '../lib/runtime.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { RequestMeter } from './meter.js';
import { PRICES } from './prices.js';
import type { BenchContext, BenchSection, Table, TargetCheck } from './section.js';
import { round, sleep, summariseLatencies, type LatencySummary } from './stats.js';
import { serveTimed } from './timed-server.js';

/**
 * The idle cost of the reference deployment of issue 8 (one 12-partition topic, one push subscription
 * to a webhook, one pull group of 2 client members at the consumer's defaults, nothing produced),
 * counted over an idle window and priced at list prices; then the pull wake-up: how long the first
 * record takes to reach a handler once the members' back-off is at its cap.
 *
 * It runs on tables and a bucket of its own on the bench's emulators, behind its own HTTP server, so
 * nothing else the bench did is in its counts, and every request is timed as the handler runs it.
 */

const PARTITIONS = 12;
const MONTH_SECONDS = 730 * 3600;

const here = dirname(fileURLToPath(import.meta.url));

/** The deployment's memory sizes and maintenance schedule, as cdk/runnel.ts configures them by default. */
export function deploymentSettings(source = readFileSync(join(here, '../cdk/runnel.ts'), 'utf8')) {
  const find = (re: RegExp, what: string) => {
    const m = re.exec(source);
    if (!m) throw new Error(`bench idle: cannot read ${what} from cdk/runnel.ts (${re})`);
    return Number(m[1]);
  };
  return {
    apiMemoryMb: find(/props\.memorySize \?\? (\d+)/, 'the API functions\' memory'),
    maintenanceMemoryMb: find(/fn\('maintenance', Duration\.minutes\(\d+\), (\d+)\)/, 'the maintenance memory'),
    maintenanceEveryMinutes: find(/Schedule\.rate\(Duration\.minutes\((\d+)\)\)/, 'the maintenance schedule'),
  };
}

const sum = (r: Record<string, number>, match: (name: string) => boolean) => Object.entries(r).reduce((s, [k, v]) => s + (match(k) ? v : 0), 0);

export interface CostLine {
  component: string;
  count: number;
  perMonth: number;
  dollarsPerMonth: number;
}

export interface IdleResult {
  windowSeconds: number;
  consumer: { heartbeatIntervalMs: number; sessionTimeoutMs: number; idleBackoffMaxMs: number; maxWaitTimeInMs: number };
  memoryMb: { api: number; maintenance: number };
  requests: { fetch: number; heartbeat: number; other: number };
  storage: { dynamoCalls: Record<string, number>; readUnits: number; writeUnits: number; s3Calls: number };
  pullGroup: CostLine[];
  pullGroupDollarsPerMonth: number;
  maintenance: { everyMinutes: number; perPass: { requests: Record<string, number>; readUnits: number; writeUnits: number; billedMs: number }; dollarsPerMonth: number };
  /** What the push subscription caused in the window: webhook calls, and every storage call (the pull group's are all of them). */
  pushSubscription: { webhookCalls: number; dispatcherStorageCalls: number; dollarsPerMonth: number };
  references: Array<{ service: string; dollarsPerMonth: number; basis: string }>;
  wakeUpMs: LatencySummary & { gapsBeforeProduceMs: LatencySummary };
}

export const idleSection: BenchSection<IdleResult> = {
  name: 'idle',
  async run(ctx: BenchContext) {
    const settings = deploymentSettings();
    const suffix = Date.now().toString(36);
    const config = { ...ctx.stack.runnel.config, topicsTable: `idle-topics-${suffix}`, logTable: `idle-log-${suffix}`, groupsTable: `idle-groups-${suffix}`, bucket: `idle-${suffix}` };
    await provisionStorage(ctx.stack.runnel.clients, config);
    // Push subscriptions are delivered in this process, woken by commits, as in npm run dev.
    const services = createServices(config, { clients: ctx.stack.runnel.clients, dispatchInProcess: true });
    const server = await serveTimed(services);
    const webhook = await startWebhook();
    const admin = new Runnel({ url: server.url });
    const topic = 'reference';
    await admin.api.createTopic({ name: topic, partitions: PARTITIONS });
    await admin.api.createSubscription({ name: 'reference-push', topic, target: { type: 'webhook', url: webhook.url } });
    const dispatcherCalls = countDispatcherCalls(ctx, config.groupsTable);

    // The client's side: which requests each member sent, and when, to show the back-off at its cap.
    const fetchTimes = new Map<string, number[]>();
    const consumers: Consumer[] = [];
    const arrivals: Array<(at: number) => void> = [];
    const defaults = { heartbeatIntervalMs: 3_000, sessionTimeoutMs: 10_000, idleBackoffMaxMs: DEFAULT_IDLE_BACKOFF.maxMs, maxWaitTimeInMs: 0 };
    try {
      for (const memberId of ['member-a', 'member-b']) {
        const runnel = new Runnel({
          url: server.url,
          fetch: (input, init) => {
            if (String(input).endsWith('/fetch')) fetchTimes.set(memberId, [...(fetchTimes.get(memberId) ?? []), Date.now()].slice(-3));
            return fetch(input, init);
          },
        });
        // The consumer's defaults throughout: heartbeat 3 s, session 10 s, idle back-off up to 1.5 s, no server wait.
        const consumer = runnel.consumer({ groupId: 'reference-pull', memberId });
        consumers.push(consumer);
        await consumer.subscribe({ topic });
        await consumer.run({ eachMessage: async () => void arrivals.shift()?.(Date.now()) });
      }
      const deadline = Date.now() + 60_000;
      while ((await admin.api.describeGroup('reference-pull')).state !== 'stable' || consumers.some((c) => c.assignment().length !== PARTITIONS / 2)) {
        if (Date.now() > deadline) throw new Error('bench idle: the group did not settle');
        await sleep(100);
      }
      // Past the back-off's climb (100, 200, 400, 800, then 1 500 ms) and a first heartbeat round.
      await sleep(5_000);

      const windowMs = ctx.quick ? 10_000 : 65_000;
      ctx.log(`idle: counting ${windowMs / 1000} s of an idle 2-member group on ${PARTITIONS} partitions`);
      const before = { meter: ctx.meter.snapshot(), usage: server.usage(), at: Date.now(), webhook: webhook.calls(), dispatcher: dispatcherCalls() };
      await sleep(windowMs);
      const after = { meter: ctx.meter.snapshot(), usage: server.usage(), at: Date.now(), webhook: webhook.calls(), dispatcher: dispatcherCalls() };
      const window = RequestMeter.between(before.meter, after.meter);
      const seconds = (after.at - before.at) / 1000;
      const perMonth = (n: number) => (n / seconds) * MONTH_SECONDS;
      const fetches = after.usage.fetch.requests - before.usage.fetch.requests;
      const groups = after.usage.groups.requests - before.usage.groups.requests;
      const other = after.usage.admin.requests - before.usage.admin.requests + after.usage.produce.requests - before.usage.produce.requests;
      const requests = fetches + groups + other;
      const billedMs = (['fetch', 'groups', 'admin', 'produce'] as const).reduce((s, c) => s + after.usage[c].billedMs - before.usage[c].billedMs, 0);
      const gbSeconds = (billedMs / 1000) * (settings.apiMemoryMb / 1024);
      const dynamoCalls = Object.fromEntries(Object.entries({ ...window.ok, ...window.failed }).filter(([k]) => k.startsWith('dynamodb:')).map(([k]) => [k, (window.ok[k] ?? 0) + (window.failed[k] ?? 0)]));
      // AWS bills a failed conditional write at least 1 WCU, but returns no ConsumedCapacity for it.
      const writeUnits = window.reportedWcu + window.conditionalFailures;
      const s3Puts = sum(window.ok, (k) => /^s3:(Put|Delete|List|Copy)/.test(k)) + sum(window.failed, (k) => /^s3:(Put|Delete|List|Copy)/.test(k));
      const s3Gets = sum(window.ok, (k) => /^s3:(Get|Head)/.test(k)) + sum(window.failed, (k) => /^s3:(Get|Head)/.test(k));
      const line = (component: string, count: number, unitPrice: number): CostLine => ({
        component,
        count: round(count, 3),
        perMonth: Math.round(perMonth(count)),
        dollarsPerMonth: round(perMonth(count) * unitPrice, 3),
      });
      const pullGroup = [
        line('API Gateway requests', requests, PRICES.apiRequest),
        line('Lambda invocations', requests, PRICES.lambdaRequest),
        line(`Lambda duration (GB-s at ${settings.apiMemoryMb} MB)`, gbSeconds, PRICES.lambdaGbSecond),
        line('DynamoDB read units', window.reportedRcu, PRICES.readUnit),
        line('DynamoDB write units', writeUnits, PRICES.writeUnit),
        line('S3 PUT/LIST requests', s3Puts, PRICES.s3Put),
        line('S3 GET requests', s3Gets, PRICES.s3Get),
      ];
      const pullGroupDollarsPerMonth = round(pullGroup.reduce((s, l) => s + l.dollarsPerMonth, 0), 2);

      // Scheduled maintenance over this deployment: one pass, as often as the schedule runs it.
      const m0 = ctx.meter.snapshot();
      const passStarted = performance.now();
      await services.maintain();
      const passMs = Math.max(1, Math.ceil(performance.now() - passStarted));
      const pass = RequestMeter.between(m0, ctx.meter.snapshot());
      const passesPerMonth = (MONTH_SECONDS / 60) / settings.maintenanceEveryMinutes;
      const passCost =
        PRICES.lambdaRequest +
        (passMs / 1000) * (settings.maintenanceMemoryMb / 1024) * PRICES.lambdaGbSecond +
        pass.reportedRcu * PRICES.readUnit +
        (pass.reportedWcu + pass.conditionalFailures) * PRICES.writeUnit +
        (sum(pass.ok, (k) => /^s3:(Put|Delete|List)/.test(k)) * PRICES.s3Put + sum(pass.ok, (k) => /^s3:Get/.test(k)) * PRICES.s3Get);

      const wakeUp = await measureWakeUp(ctx, admin, topic, arrivals, fetchTimes, DEFAULT_IDLE_BACKOFF.maxMs);

      const references = [
        { service: 'Kinesis Data Streams on-demand, 1 stream', dollarsPerMonth: round(PRICES.kinesisStreamHour * 730, 2), basis: '$0.04 per stream-hour, idle or not' },
        {
          service: `MSK Serverless, 1 cluster, ${PARTITIONS} partitions`,
          dollarsPerMonth: round((PRICES.mskServerlessClusterHour + PARTITIONS * PRICES.mskServerlessPartitionHour) * 730, 2),
          basis: '$0.75 per cluster-hour + $0.0015 per partition-hour',
        },
      ];
      const result: IdleResult = {
        windowSeconds: round(seconds, 1),
        consumer: defaults,
        memoryMb: { api: settings.apiMemoryMb, maintenance: settings.maintenanceMemoryMb },
        requests: { fetch: fetches, heartbeat: groups, other },
        storage: { dynamoCalls, readUnits: round(window.reportedRcu, 2), writeUnits: round(writeUnits, 2), s3Calls: s3Puts + s3Gets },
        pullGroup,
        pullGroupDollarsPerMonth,
        maintenance: {
          everyMinutes: settings.maintenanceEveryMinutes,
          perPass: { requests: pass.ok, readUnits: round(pass.reportedRcu, 2), writeUnits: round(pass.reportedWcu, 2), billedMs: passMs },
          dollarsPerMonth: round(passCost * passesPerMonth, 3),
        },
        pushSubscription: {
          webhookCalls: after.webhook - before.webhook,
          dispatcherStorageCalls: after.dispatcher - before.dispatcher,
          // Nothing wakes it but a commit: a call of either kind would be a cost, and is priced as one request each at most.
          dollarsPerMonth: round(perMonth(after.webhook - before.webhook + after.dispatcher - before.dispatcher) * (PRICES.lambdaRequest + PRICES.readUnit), 3),
        },
        references,
        wakeUpMs: wakeUp,
      };
      return { results: result, tables: tables(result), targets: targets(result) };
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
      await server.close();
      await webhook.close();
    }
  },
};

/**
 * Produces one record at a time, each once both members' back-off has been at its cap for a while and
 * at a random moment within a cap, and times it from the produce request to the handler.
 */
async function measureWakeUp(ctx: BenchContext, admin: Runnel, topic: string, arrivals: Array<(at: number) => void>, fetchTimes: Map<string, number[]>, capMs: number) {
  const samples = ctx.quick ? 8 : 50;
  const latencies: number[] = [];
  const gaps: number[] = [];
  ctx.log(`idle: ${samples} wake-ups after the back-off reached its ${capMs} ms cap`);
  // The shortest of the members' last two gaps between fetches: at the cap, none is shorter than it.
  const shortestGap = () => Math.min(...[...fetchTimes.values()].flatMap((times) => times.slice(1).map((t, k) => t - times[k]!)));
  for (let i = 0; i < samples; i++) {
    // Until the back-off has climbed back to its cap after the last record (100 + 200 + 400 + 800 ms
    // of pauses, and the round trips between them) and two gaps at the cap, then a random phase.
    await sleep(1_500 + 3 * capMs);
    const deadline = Date.now() + 30_000;
    while (fetchTimes.size < 2 || shortestGap() < capMs) {
      if (Date.now() > deadline) throw new Error('bench idle: the back-off did not return to its cap');
      await sleep(50);
    }
    await sleep(Math.random() * capMs);
    gaps.push(shortestGap());
    const arrived = new Promise<number>((resolve) => arrivals.push(resolve));
    const sent = Date.now();
    await admin.api.produce(topic, JSON.stringify({ records: [{ value: i, partition: i % PARTITIONS }] }), { idempotent: false });
    latencies.push((await arrived) - sent);
  }
  return { ...summariseLatencies(latencies), gapsBeforeProduceMs: summariseLatencies(gaps) };
}

/** A webhook that answers 204 and counts its calls. */
async function startWebhook() {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Storage calls that are the push subscription's: those of the groups table that name the subscription's
 * group (its definition, lease and delivery state live there). The pull group's calls name its own group.
 */
function countDispatcherCalls(ctx: BenchContext, groupsTable: string): () => number {
  let calls = 0;
  (ctx.stack.runnel.clients.dynamo.middlewareStack as any).add(
    (next: any) => async (args: any) => {
      const input = args.input as { TableName?: string; Key?: { group?: { S?: string } }; ExpressionAttributeValues?: Record<string, { S?: string }> };
      const group = input.Key?.group?.S ?? input.ExpressionAttributeValues?.[':g']?.S;
      if (input.TableName === groupsTable && group === 'reference-push') calls++;
      return next(args);
    },
    { step: 'initialize', name: 'bench-idle-subscription-calls' },
  );
  return () => calls;
}

function tables(r: IdleResult): Table[] {
  const money = (d: number) => `$${d.toFixed(d < 1 ? 3 : 2)}`;
  return [
    {
      title: `Idle cost per month: one ${PARTITIONS}-partition topic, one push subscription to a webhook, one pull group of 2 client members (defaults), nothing produced; counted over ${r.windowSeconds} s`,
      columns: ['component', 'in window', 'per month', '$/month'],
      rows: [
        ...r.pullGroup.map((l) => [l.component, l.count, l.perMonth, money(l.dollarsPerMonth)]),
        ['pull group, total', '', '', money(r.pullGroupDollarsPerMonth)],
        [`scheduled maintenance (every ${r.maintenance.everyMinutes} min, ${r.memoryMb.maintenance} MB)`, '', '', money(r.maintenance.dollarsPerMonth)],
        [`push subscription to a webhook (${r.pushSubscription.webhookCalls} webhook calls, ${r.pushSubscription.dispatcherStorageCalls} subscription reads/writes)`, '', '', money(r.pushSubscription.dollarsPerMonth)],
        ...r.references.map((x) => [`reference: ${x.service}`, '', '', money(x.dollarsPerMonth)]),
      ],
      notes: [
        `requests in the window: ${r.requests.fetch} fetches, ${r.requests.heartbeat} heartbeats, ${r.requests.other} other; DynamoDB calls: ${JSON.stringify(r.storage.dynamoCalls)}`,
        `Lambda duration is the handler time measured here against local emulators (each request rounded up to 1 ms), at ${r.memoryMb.api} MB; on AWS, DynamoDB round trips are longer`,
        `prices: us-east-1 list, arm64; ${r.references.map((x) => `${x.service}: ${x.basis}`).join('; ')}`,
      ],
    },
    {
      title: 'Pull wake-up: produce → handler, with both members\' idle back-off at its cap',
      columns: ['samples', 'p50 ms', 'p99 ms', 'max ms', 'cap ms', 'fetch gap before produce, min ms'],
      rows: [[r.wakeUpMs.count, r.wakeUpMs.p50Ms, r.wakeUpMs.p99Ms, r.wakeUpMs.maxMs, r.consumer.idleBackoffMaxMs, r.wakeUpMs.gapsBeforeProduceMs.p50Ms]],
    },
  ];
}

function targets(r: IdleResult): TargetCheck[] {
  return [
    { target: 'idle pull group ≤ $1.00/month', scenario: `2 members, ${PARTITIONS} partitions, defaults`, value: r.pullGroupDollarsPerMonth, limit: 1, pass: r.pullGroupDollarsPerMonth <= 1 },
    { target: 'pull wake-up p99 ≤ 2 s', scenario: 'back-off at its cap', value: r.wakeUpMs.p99Ms, limit: 2000, pass: r.wakeUpMs.p99Ms <= 2000 },
  ];
}
