import { Runnel, type Consumer, type ConsumerConfig } from '../lib/index.js';
import type { BenchContext, BenchSection, Table } from './section.js';
import { serveAnotherRunnel } from './server.js';
import { round, sleep, summariseLatencies, type LatencySummary } from './stats.js';

/** The consumer's defaults, stated here so the figures say what they were measured at. */
const SESSION_MS = 10_000;
const HEARTBEAT_MS = 3_000;

export interface GroupsResult {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Kill a member without leaving → all its partitions owned by the survivors (bound: session + heartbeat). */
  failoverMs: LatencySummary;
  /** A 4th member starts → every member holds its balanced share and nothing awaits handoff. */
  rebalanceMs: LatencySummary;
  /** A graceful disconnect → all its partitions owned by the others. */
  leaveMs: LatencySummary;
  catchUp: Array<{ handler: 'eachMessage' | 'eachBatch'; cache: 'cold' | 'warm'; records: number; seconds: number; recordsPerSecond: number }>;
}

interface Member {
  consumer: Consumer;
  kill(): void;
}

/** A consumer whose network can be cut, as when its process dies without leaving. */
function member(url: string, config: ConsumerConfig): Member {
  let dead = false;
  const runnel = new Runnel({ url, fetch: (input, init) => (dead ? Promise.reject(new TypeError('killed')) : fetch(input, init)) });
  return { consumer: runnel.consumer(config), kill: () => (dead = true) };
}

async function waitFor(check: () => Promise<boolean>, budgetMs = 60_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('bench: group did not settle in time');
    await sleep(20);
  }
}

async function describe(admin: Runnel, group: string) {
  return admin.api.describeGroup(group);
}

async function startMember(url: string, group: string, topic: string, id: string): Promise<Member> {
  const m = member(url, { groupId: group, memberId: id, sessionTimeout: SESSION_MS, heartbeatInterval: HEARTBEAT_MS });
  await m.consumer.subscribe({ topic, fromBeginning: true });
  await m.consumer.run({ eachMessage: async () => {} });
  return m;
}

const settled = (admin: Runnel, group: string, members: number, partitions: number) => async () => {
  const d = await describe(admin, group);
  const share = Math.floor(partitions / members);
  return d.state === 'stable' && d.members.length === members && d.members.every((m) => m.partitions === share || m.partitions === share + 1);
};

/** One round: 3 members settle, then a 4th joins (rebalance), one is killed (failover), one leaves (leave). */
async function round_(ctx: BenchContext, admin: Runnel, topic: string, n: number) {
  const url = ctx.stack.url;
  const group = `bench-group-${n}`;
  const members = [await startMember(url, group, topic, 'a'), await startMember(url, group, topic, 'b'), await startMember(url, group, topic, 'c')];
  await waitFor(settled(admin, group, 3, 12));

  let t0 = performance.now();
  members.push(await startMember(url, group, topic, 'd'));
  await waitFor(settled(admin, group, 4, 12));
  const rebalance = performance.now() - t0;

  t0 = performance.now();
  members[0]!.kill();
  await waitFor(async () => (await describe(admin, group)).partitions.every((p) => p.owner !== null && p.owner !== 'a'));
  const failover = performance.now() - t0;

  t0 = performance.now();
  await members[1]!.consumer.disconnect();
  await waitFor(async () => (await describe(admin, group)).partitions.every((p) => p.owner === 'c' || p.owner === 'd'));
  const leave = performance.now() - t0;

  await Promise.all(members.map((m) => m.consumer.disconnect().catch(() => {})));
  return { rebalance, failover, leave };
}

/** Reads a pre-filled topic from the beginning through the client, one consumer holding every partition. */
async function catchUp(ctx: BenchContext, topic: string, records: number, handler: 'eachMessage' | 'eachBatch', cache: 'cold' | 'warm') {
  // Cold: a fresh server instance with empty caches, as a new Lambda instance reads every segment from S3.
  const cold = cache === 'cold' ? await serveAnotherRunnel(ctx) : undefined;
  const m = member(cold?.url ?? ctx.stack.url, { groupId: `bench-catchup-${handler}-${cache}`, maxBatchSize: 10_000, maxWaitTimeInMs: 1000 });
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const count = (n: number) => {
    seen += n;
    if (seen >= records) done();
  };
  await m.consumer.subscribe({ topic, fromBeginning: true });
  const t0 = performance.now();
  await m.consumer.run(handler === 'eachMessage' ? { eachMessage: async () => count(1) } : { eachBatch: async ({ batch }) => count(batch.messages.length) });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await m.consumer.disconnect();
  await cold?.close();
  return { handler, cache, records: seen, seconds: round(seconds), recordsPerSecond: round(seen / seconds, 0) };
}

async function fill(admin: Runnel, topic: string, partitions: number, perPartition: number): Promise<void> {
  const producer = admin.producer();
  await producer.connect();
  const value = { id: 0, payload: 'x'.repeat(80) };
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i += 1000) {
      const messages = Array.from({ length: Math.min(1000, perPartition - i) }, (_, j) => ({ value: { ...value, id: i + j }, partition: p }));
      await producer.send({ topic, messages });
    }
  }
  await producer.disconnect();
}

export const groupsSection: BenchSection<GroupsResult> = {
  name: 'groups',
  async run(ctx) {
    const admin = new Runnel({ url: ctx.stack.url });
    const topic = 'bench-groups';
    await admin.api.createTopic({ name: topic, partitions: 12 });
    const rounds = ctx.quick ? 1 : 3;
    const samples = { rebalance: [] as number[], failover: [] as number[], leave: [] as number[] };
    for (let n = 0; n < rounds; n++) {
      ctx.log(`groups: round ${n + 1}/${rounds} (session ${SESSION_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`);
      const r = await round_(ctx, admin, topic, n);
      samples.rebalance.push(r.rebalance);
      samples.failover.push(r.failover);
      samples.leave.push(r.leave);
    }

    const catchUpTopic = 'bench-catchup';
    const perPartition = ctx.quick ? 1000 : 10_000;
    await admin.api.createTopic({ name: catchUpTopic, partitions: 4 });
    ctx.log(`groups: filling ${4 * perPartition} records for catch-up`);
    await fill(admin, catchUpTopic, 4, perPartition);
    const catchUps = [];
    for (const [handler, cache] of [['eachBatch', 'cold'], ['eachBatch', 'warm'], ['eachMessage', 'warm']] as const) {
      catchUps.push(await catchUp(ctx, catchUpTopic, 4 * perPartition, handler, cache));
    }

    const results: GroupsResult = {
      sessionTimeoutMs: SESSION_MS,
      heartbeatIntervalMs: HEARTBEAT_MS,
      failoverMs: summariseLatencies(samples.failover),
      rebalanceMs: summariseLatencies(samples.rebalance),
      leaveMs: summariseLatencies(samples.leave),
      catchUp: catchUps,
    };
    const timing = (name: string, s: LatencySummary, bound: string) => [name, s.count, s.p50Ms, s.maxMs, bound];
    const tables: Table[] = [
      {
        title: `Consumer groups at the default timeouts (session ${SESSION_MS} ms, heartbeat ${HEARTBEAT_MS} ms), 12 partitions`,
        columns: ['event', 'rounds', 'p50 ms', 'max ms', 'bound'],
        rows: [
          timing('failover: kill → re-owned', results.failoverMs, `≤ ${SESSION_MS + HEARTBEAT_MS} ms (G4)`),
          timing('rebalance: 4th joins → balanced', results.rebalanceMs, '≈ one heartbeat + handoff'),
          timing('leave: disconnect → re-owned', results.leaveMs, 'at once'),
        ],
      },
      {
        title: 'Consumer catch-up through the client (4 partitions, one consumer, ~100-byte JSON records)',
        columns: ['handler', 'server cache', 'records', 'seconds', 'records/s'],
        rows: catchUps.map((c) => [c.handler, c.cache, c.records, c.seconds, c.recordsPerSecond]),
      },
    ];
    const bound = SESSION_MS + HEARTBEAT_MS;
    const targets = [
      { target: 'G4: failover within session + heartbeat', scenario: '12 partitions, 4 members, one killed', value: results.failoverMs.maxMs, limit: bound, pass: results.failoverMs.maxMs <= bound },
    ];
    return { results, tables, targets };
  },
};
