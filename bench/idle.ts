import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runnel, type Consumer } from '../lib/index.js';
import { IDLE_DEFAULTS } from '../lib/client/consumer.js';
import { DEFAULT_IDLE_BACKOFF } from '../lib/client/member-fetcher.js';
import { WAKE_SOCKET_MAX_AGE_MS } from '../lib/client/wake-channel.js';
import { HeadStore } from '../lib/log/head-store.js';
import type { RunnelConfig } from '../lib/config.js';
import { createServices, type Services } from '../lib/runtime.js';
import { recordWatch } from '../lib/wake/wake-connect.js';
import { WakeRegistrationStore } from '../lib/wake/wake-registrations.js';
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
 * record takes to reach a handler once both members sleep on their wake sockets.
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
    wakeConnectMemoryMb: find(/fn\('wake-connect', Duration\.seconds\(\d+\), (\d+)\)/, 'the wake-connect memory'),
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
  consumer: { heartbeatIntervalMs: number; sessionTimeoutMs: number; idleHeartbeatIntervalMs: number; idleSessionTimeoutMs: number; wakeSocketMaxAgeMs: number; idleBackoffMaxMs: number; maxWaitTimeInMs: number };
  memoryMb: { api: number; maintenance: number; wakeConnect: number };
  requests: { fetch: number; heartbeat: number; wakeLookup: number; other: number; otherOperations: Record<string, number> };
  /** Wake sockets in the window: opened, closed, minutes open, wake messages sent, and heads re-marked by their $connect. */
  sockets: { opened: number; closed: number; connectionMinutes: number; messages: number; remarkedHeads: number };
  /** One renewal of both members' sockets (as each member does every wakeSocketMaxAgeMs), measured once after the window. */
  renewal: { requests: Record<string, number>; socketsOpened: number; remarkedHeads: number; readUnits: number; writeUnits: number; billedMs: number; connectBilledMs: number; perMonth: number };
  storage: { dynamoCalls: Record<string, number>; readUnits: number; writeUnits: number; s3Calls: number };
  pullGroup: CostLine[];
  pullGroupDollarsPerMonth: number;
  maintenance: { everyMinutes: number; perPass: { requests: Record<string, number>; readUnits: number; writeUnits: number; billedMs: number }; dollarsPerMonth: number };
  /** What the push subscription caused in the window: webhook calls, and every storage call (the pull group's are all of them). */
  pushSubscription: { webhookCalls: number; dispatcherStorageCalls: number; dollarsPerMonth: number };
  references: Array<{ service: string; dollarsPerMonth: number; basis: string }>;
  wakeUpMs: LatencySummary;
}

/**
 * What a socket costs on AWS beyond what the local server does for it. The local upgrade passes through
 * the wake route (the topic's fresh read: `$connect`'s own first step) and keeps the registration in
 * memory; on AWS the wake-connect function then writes the registration and marks each watched head
 * (lib/wake/wake-connect.ts). So each socket the members open here also runs those writes, the library's
 * own `recordWatch`, against the bench's emulator tables: the meter counts their units, and their time is
 * billed as the function's. A mark written over an older one (a renewal's) passes the stream's filter and
 * invokes the wake notifier, which reads nothing (the head's nextOffset did not move): counted as at most one
 * invocation per head, at Lambda's 1 ms minimum. There is no $disconnect route (a registration goes when
 * its wake is sent, when a wake finds the socket gone, or by TTL), so a socket costs one $connect invocation.
 */
function recordAwsConnects(services: Services, config: RunnelConfig) {
  const deps = { heads: new HeadStore(services.clients.dynamo, config.logTable), registrations: new WakeRegistrationStore(services.clients.dynamo, config.groupsTable) };
  const watch = services.wake.watch.bind(services.wake);
  const marked = new Set<string>();
  const pending: Array<Promise<void>> = [];
  const totals = { billedMs: 0, remarkedHeads: 0 };
  let sockets = 0;
  services.wake.watch = (registration, socket) => {
    for (const p of registration.partitions) {
      const head = `${registration.topicId}#${p}`;
      if (marked.has(head)) totals.remarkedHeads++;
      marked.add(head);
    }
    const started = performance.now();
    pending.push(recordWatch(deps, `bench-socket-${++sockets}`, registration).then(() => void (totals.billedMs += Math.max(1, Math.ceil(performance.now() - started)))));
    return watch(registration, socket);
  };
  return {
    /** The totals once every socket's writes so far have finished. */
    async settled() {
      await Promise.all(pending);
      return { ...totals };
    },
  };
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
    const awsConnects = recordAwsConnects(services, config);
    const server = await serveTimed(services, { wakeSockets: true });
    const webhook = await startWebhook();
    const admin = new Runnel({ url: server.url });
    const topic = 'reference';
    await admin.api.createTopic({ name: topic, partitions: PARTITIONS });
    const { topicId } = await admin.api.describeTopic(topic);
    await admin.api.createSubscription({ name: 'reference-push', topic, target: { type: 'webhook', url: webhook.url } });
    const dispatcherCalls = countDispatcherCalls(ctx, config.groupsTable);

    const consumers: Consumer[] = [];
    const arrivals: Array<(at: number) => void> = [];
    const defaults = {
      heartbeatIntervalMs: 3_000,
      sessionTimeoutMs: 10_000,
      idleHeartbeatIntervalMs: IDLE_DEFAULTS.heartbeatInterval,
      idleSessionTimeoutMs: IDLE_DEFAULTS.sessionTimeout,
      wakeSocketMaxAgeMs: WAKE_SOCKET_MAX_AGE_MS,
      idleBackoffMaxMs: DEFAULT_IDLE_BACKOFF.maxMs,
      maxWaitTimeInMs: 0,
    };
    try {
      for (const memberId of ['member-a', 'member-b']) {
        const runnel = new Runnel({ url: server.url });
        // The consumer's defaults throughout.
        const consumer = runnel.consumer({ groupId: 'reference-pull', memberId });
        consumers.push(consumer);
        await consumer.subscribe({ topic });
        await consumer.run({ eachMessage: async () => void arrivals.shift()?.(Date.now()) });
      }
      // Both members asleep: their sockets registered (from the server's side), and a moment for the catch-up fetches.
      // Judged without a request, so that the bench's own calls stay out of the counts.
      const asleep = async () => {
        const deadline = Date.now() + 60_000;
        while (services.wake.watching(topicId) !== 2 || consumers.some((c) => c.assignment().length !== PARTITIONS / 2)) {
          if (Date.now() > deadline) throw new Error('bench idle: the members did not fall asleep on their wake sockets');
          await sleep(50);
        }
        await sleep(1_000);
      };
      // Settled: the group stable, and an idle heartbeat (45 s session) written by both.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const group = await admin.api.describeGroup('reference-pull');
        // Each member has also committed its starting positions (its first auto-commit): a one-off, kept out of the window.
        const started = group.partitions.every((p) => p.committedOffset !== null);
        if (group.state === 'stable' && started && group.members.length === 2 && group.members.every((m) => m.sessionTimeoutMs === IDLE_DEFAULTS.sessionTimeout)) break;
        if (Date.now() > deadline) throw new Error('bench idle: the group did not settle');
        await sleep(500);
      }
      await asleep();

      const windowMs = ctx.quick ? 10_000 : 65_000;
      ctx.log(`idle: counting ${windowMs / 1000} s of an idle 2-member group on ${PARTITIONS} partitions`);
      const snap = async () => {
        const aws = await awsConnects.settled();
        return { meter: ctx.meter.snapshot(), usage: server.usage(), operations: server.operations(), sockets: server.sockets(), aws, at: Date.now(), webhook: webhook.calls(), dispatcher: dispatcherCalls() };
      };
      const before = await snap();
      await sleep(windowMs);
      const after = await snap();
      const window = RequestMeter.between(before.meter, after.meter);
      const seconds = (after.at - before.at) / 1000;
      const perMonth = (n: number) => (n / seconds) * MONTH_SECONDS;
      const op = (name: string) => (after.operations[name] ?? 0) - (before.operations[name] ?? 0);
      const fetches = op('fetchPartitions');
      const heartbeats = op('heartbeat');
      const wakeLookups = op('wakeChannel');
      const requests = (['fetch', 'groups', 'admin', 'produce'] as const).reduce((n, c) => n + after.usage[c].requests - before.usage[c].requests, 0);
      const other = requests - fetches - heartbeats - wakeLookups;
      const otherOperations: Record<string, number> = Object.fromEntries(
        Object.keys(after.operations)
          .filter((k) => !['fetchPartitions', 'heartbeat', 'wakeChannel'].includes(k))
          .map((k): [string, number] => [k, op(k)])
          .filter(([, n]) => n > 0),
      );
      const sockets = {
        opened: after.sockets.opened - before.sockets.opened,
        closed: after.sockets.closed - before.sockets.closed,
        connectionMinutes: round((after.sockets.openSeconds - before.sockets.openSeconds) / 60, 3),
        messages: after.sockets.messages - before.sockets.messages,
        remarkedHeads: after.aws.remarkedHeads - before.aws.remarkedHeads,
      };
      // $connect: the upgrade's pass through the wake route, then the registration and marks, in the wake-connect function.
      const connectMs = after.sockets.connectBilledMs - before.sockets.connectBilledMs + after.aws.billedMs - before.aws.billedMs;
      const billedMs = (['fetch', 'groups', 'admin', 'produce'] as const).reduce((s, c) => s + after.usage[c].billedMs - before.usage[c].billedMs, 0);
      const gbSeconds = (billedMs / 1000) * (settings.apiMemoryMb / 1024) + (connectMs / 1000) * (settings.wakeConnectMemoryMb / 1024);
      const dynamoCalls = Object.fromEntries(Object.entries({ ...window.ok, ...window.failed }).filter(([k]) => k.startsWith('dynamodb:')).map(([k]) => [k, (window.ok[k] ?? 0) + (window.failed[k] ?? 0)]));
      // AWS bills a failed conditional write at least 1 WCU, but returns no ConsumedCapacity for it.
      const writeUnits = window.reportedWcu + window.conditionalFailures;
      const s3Puts = sum(window.ok, (k) => /^s3:(Put|Delete|List|Copy)/.test(k)) + sum(window.failed, (k) => /^s3:(Put|Delete|List|Copy)/.test(k));
      const s3Gets = sum(window.ok, (k) => /^s3:(Get|Head)/.test(k)) + sum(window.failed, (k) => /^s3:(Get|Head)/.test(k));

      // One renewal of both sockets, as each member makes every WAKE_SOCKET_MAX_AGE_MS: the sockets end,
      // each member fetches, opens another, and makes its catch-up fetch.
      ctx.log('idle: one renewal of both wake sockets');
      const r0 = await snap();
      services.wake.closeAll();
      await sleep(200);
      await asleep();
      const r1 = await snap();
      const renewalMeter = RequestMeter.between(r0.meter, r1.meter);
      const renewalRequests: Record<string, number> = Object.fromEntries(
        Object.keys(r1.operations)
          .map((k): [string, number] => [k, (r1.operations[k] ?? 0) - (r0.operations[k] ?? 0)])
          .filter(([, n]) => n > 0),
      );
      // A heartbeat that fell in the renewal is the window's business: its storage, at the window's average, comes off.
      const beatsInRenewal = renewalRequests.heartbeat ?? 0;
      delete renewalRequests.heartbeat;
      const perBeat = (units: number) => (heartbeats ? units / heartbeats : 0);
      const renewalSockets = r1.sockets.opened - r0.sockets.opened;
      const renewal = {
        requests: renewalRequests,
        socketsOpened: renewalSockets,
        remarkedHeads: r1.aws.remarkedHeads - r0.aws.remarkedHeads,
        readUnits: round(Math.max(0, renewalMeter.reportedRcu - beatsInRenewal * perBeat(window.reportedRcu)), 2),
        writeUnits: round(Math.max(0, renewalMeter.reportedWcu + renewalMeter.conditionalFailures - beatsInRenewal * perBeat(window.reportedWcu + window.conditionalFailures)), 2),
        billedMs: (['fetch', 'admin', 'produce'] as const).reduce((s, c) => s + r1.usage[c].billedMs - r0.usage[c].billedMs, 0),
        connectBilledMs: r1.sockets.connectBilledMs - r0.sockets.connectBilledMs + r1.aws.billedMs - r0.aws.billedMs,
        // Both members renew once per socket age.
        perMonth: MONTH_SECONDS / (WAKE_SOCKET_MAX_AGE_MS / 1000),
      };
      const renewalHttp = Object.values(renewalRequests).reduce((a, b) => a + b, 0);

      const line = (component: string, count: number, monthly: number, unitPrice: number): CostLine => ({
        component,
        count: round(count, 3),
        perMonth: Math.round(monthly),
        dollarsPerMonth: round(monthly * unitPrice, 3),
      });
      const windowed = (component: string, count: number, unitPrice: number) => line(component, count, perMonth(count), unitPrice);
      const renewals = (component: string, count: number, unitPrice: number) => line(component, count, count * renewal.perMonth, unitPrice);
      // The wake notifier woken by a renewed mark only parses its records: Lambda's 1 ms minimum, priced at the
      // API functions' memory (twice the notifier's 512 MB: an upper bound; the request price is most of it).
      const remarkPrice = PRICES.lambdaRequest + 0.001 * (settings.apiMemoryMb / 1024) * PRICES.lambdaGbSecond;
      const pullGroup = [
        windowed('API Gateway HTTP requests (fetches, heartbeats, wake lookups)', requests, PRICES.apiRequest),
        windowed('Lambda invocations (HTTP requests, $connect)', requests + sockets.opened, PRICES.lambdaRequest),
        windowed(`Lambda duration (GB-s at ${settings.apiMemoryMb} MB)`, gbSeconds, PRICES.lambdaGbSecond),
        windowed('DynamoDB read units', window.reportedRcu, PRICES.readUnit),
        windowed('DynamoDB write units', writeUnits, PRICES.writeUnit),
        windowed('S3 PUT/LIST requests', s3Puts, PRICES.s3Put),
        windowed('S3 GET requests', s3Gets, PRICES.s3Get),
        windowed('WebSocket connection-minutes', sockets.connectionMinutes, PRICES.webSocketMinute),
        windowed('WebSocket messages (wakes)', sockets.messages, PRICES.webSocketMessage),
        windowed('wake-notifier invocations (heads re-marked by $connect, 1 ms each)', sockets.remarkedHeads, remarkPrice),
        renewals(`socket renewals: HTTP requests (per renewal of both, every ${WAKE_SOCKET_MAX_AGE_MS / 60_000} min)`, renewalHttp, PRICES.apiRequest),
        renewals('socket renewals: Lambda invocations (requests, $connect)', renewalHttp + renewalSockets, PRICES.lambdaRequest),
        renewals(
          `socket renewals: Lambda duration (GB-s; $connect at ${settings.wakeConnectMemoryMb} MB)`,
          (renewal.billedMs / 1000) * (settings.apiMemoryMb / 1024) + (renewal.connectBilledMs / 1000) * (settings.wakeConnectMemoryMb / 1024),
          PRICES.lambdaGbSecond,
        ),
        renewals('socket renewals: wake-notifier invocations (heads re-marked, 1 ms each)', renewal.remarkedHeads, remarkPrice),
        renewals('socket renewals: DynamoDB read units', renewal.readUnits, PRICES.readUnit),
        renewals('socket renewals: DynamoDB write units', renewal.writeUnits, PRICES.writeUnit),
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

      const wakeUp = await measureWakeUp(ctx, admin, topic, arrivals, asleep);

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
        memoryMb: { api: settings.apiMemoryMb, maintenance: settings.maintenanceMemoryMb, wakeConnect: settings.wakeConnectMemoryMb },
        requests: { fetch: fetches, heartbeat: heartbeats, wakeLookup: wakeLookups, other, otherOperations },
        sockets,
        renewal,
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
 * Produces one record at a time, each once both members sleep on their wake sockets again (after the
 * last record's owner fetched, renewed its socket and made its catch-up fetch) and a random moment
 * later, and times it from the produce request to the handler.
 */
async function measureWakeUp(ctx: BenchContext, admin: Runnel, topic: string, arrivals: Array<(at: number) => void>, asleep: () => Promise<void>) {
  const samples = ctx.quick ? 8 : 50;
  const latencies: number[] = [];
  ctx.log(`idle: ${samples} wake-ups of members asleep on their wake sockets`);
  for (let i = 0; i < samples; i++) {
    await asleep();
    await sleep(Math.random() * 1_000);
    const arrived = new Promise<number>((resolve) => arrivals.push(resolve));
    const sent = Date.now();
    await admin.api.produce(topic, JSON.stringify({ records: [{ value: i, partition: i % PARTITIONS }] }), { idempotent: false });
    latencies.push((await arrived) - sent);
  }
  return summariseLatencies(latencies);
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
        `requests in the window: ${r.requests.fetch} fetches, ${r.requests.heartbeat} heartbeats, ${r.requests.wakeLookup} wake-channel lookups, ${r.requests.other} other ${JSON.stringify(r.requests.otherOperations)}; DynamoDB calls: ${JSON.stringify(r.storage.dynamoCalls)}`,
        `wake sockets in the window: ${r.sockets.opened} opened, ${r.sockets.closed} closed, ${r.sockets.connectionMinutes} connection-minutes, ${r.sockets.messages} wake messages`,
        `one renewal of both sockets (each member renews every ${r.consumer.wakeSocketMaxAgeMs / 60_000} min, ${Math.round(r.renewal.perMonth)} times a month): requests ${JSON.stringify(r.renewal.requests)}, ${r.renewal.socketsOpened} sockets, ${r.renewal.remarkedHeads} heads re-marked, ${r.renewal.readUnits} RCU, ${r.renewal.writeUnits} WCU, ${r.renewal.billedMs} ms of HTTP handlers and ${r.renewal.connectBilledMs} ms of $connect`,
        `the AWS path: each socket opened here also ran $connect's writes (lib/wake/wake-connect.ts recordWatch: one registration, one mark per watched head) against the emulators, counted in the units above, and its time with the upgrade's pass through the wake route is billed as the wake-connect function's (${r.memoryMb.wakeConnect} MB); a renewal's marks over the old ones invoke the wake notifier, priced as one invocation of 1 ms per head (an upper bound: the mapping batches records)`,
        `Lambda duration is the handler time measured here against local emulators (each request rounded up to 1 ms), at ${r.memoryMb.api} MB; on AWS, DynamoDB round trips are longer`,
        `prices: us-east-1 list, arm64; ${r.references.map((x) => `${x.service}: ${x.basis}`).join('; ')}`,
      ],
    },
    {
      title: 'Pull wake-up: produce → handler, with both members asleep on their wake sockets',
      columns: ['samples', 'p50 ms', 'p99 ms', 'max ms'],
      rows: [[r.wakeUpMs.count, r.wakeUpMs.p50Ms, r.wakeUpMs.p99Ms, r.wakeUpMs.maxMs]],
    },
  ];
}

function targets(r: IdleResult): TargetCheck[] {
  return [
    { target: 'idle pull group ≤ $1.00/month', scenario: `2 members, ${PARTITIONS} partitions, defaults`, value: r.pullGroupDollarsPerMonth, limit: 1, pass: r.pullGroupDollarsPerMonth <= 1 },
    { target: 'pull wake-up p99 ≤ 2 s', scenario: 'members asleep on wake sockets', value: r.wakeUpMs.p99Ms, limit: 2000, pass: r.wakeUpMs.p99Ms <= 2000 },
  ];
}
