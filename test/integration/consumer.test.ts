import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumerConfig } from '../../lib/client/consumer.js';
import { Runnel } from '../../lib/index.js';
import { injectFault } from '../support/faults.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { killableConsumer, ProcessedLog, sleep, until, type TestConsumer } from './consumer-support.js';

const SESSION = 2000;
const HEARTBEAT = 500;
const base: Omit<ConsumerConfig, 'memberId'> = {
  groupId: 'billing',
  sessionTimeout: SESSION,
  heartbeatInterval: HEARTBEAT,
  // Members that go idle on their wake sockets keep these bounds, so the G4 timings below hold for
  // them too (an idle survivor would otherwise take a dead member's partitions only at its next idle
  // heartbeat; test/integration/wake-sockets.test.ts covers the idle bounds).
  idleSessionTimeout: SESSION,
  idleHeartbeatInterval: HEARTBEAT,
  autoCommitInterval: 100,
  maxWaitTimeInMs: 300,
  maxBatchSize: 5,
};

async function produce(stack: TestStack, topic: string, partitions: number, perPartition: number) {
  for (let p = 0; p < partitions && perPartition > 0; p++) {
    const records = Array.from({ length: perPartition }, (_, i) => ({ value: { p, i }, partition: p }));
    const res = await stack.request('POST', `/v1/topics/${topic}/records`, { records });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

describe.each(BACKENDS)('consumer (%s)', (backend) => {
  let served: ServedRunnel | undefined;
  let consumers: TestConsumer[] = [];

  afterEach(async () => {
    for (const c of consumers) c.releaseHeartbeats();
    await Promise.all(consumers.map((c) => c.consumer.disconnect().catch(() => {})));
    consumers = [];
    await served?.close();
  });

  async function setup(partitions: number, perPartition: number) {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions });
    await produce(stack, 'orders', partitions, perPartition);
    served = await serveRunnel(stack.runnel);
    return stack;
  }

  /** A consumer that logs what it processes, taking `delayMs` per record. */
  async function start(log: ProcessedLog, memberId: string, delayMs = 10, extra: Partial<ConsumerConfig> = {}) {
    const c = killableConsumer(served!.url, { ...base, memberId, ...extra });
    consumers.push(c);
    await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await c.consumer.run({
      eachMessage: async ({ partition, message }) => {
        await sleep(delayMs);
        log.add(memberId, 'orders', partition, message.offset, message.value);
      },
    });
    return c;
  }

  const counts = (cs: TestConsumer[]) => cs.map((c) => c.consumer.assignment().length);
  const balanced = (cs: TestConsumer[], each: number) => () => (counts(cs).every((n) => n === each) ? true : undefined);

  it('3 consumers share 12 partitions 4 each; a killed one is replaced within its session and processing resumes at its committed offset', async () => {
    const stack = await setup(12, 30);
    // How late timers fire here (the heartbeat timers too): a loaded machine delays them all alike.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const log = new ProcessedLog();
    const cs = [await start(log, 'a', 20), await start(log, 'b', 20), await start(log, 'c', 20)];
    await until('4 partitions each', balanced(cs, 4));
    const owned = cs.map((c) => c.consumer.assignment().map((tp) => tp.partition));
    expect(new Set(owned.flat()).size).toBe(12);

    await until('some progress by c', () => (log.entries.filter((e) => e.member === 'c').length >= 8 ? true : undefined));
    const victim = cs[2]!;
    const victimPartitions = owned[2]!;
    victim.kill();
    const atKill = log.entries.length;
    await until('c partitions re-owned', async () => {
      const d = await stack.request('GET', '/v1/groups/billing');
      return d.body.partitions.every((p: any) => p.owner === 'a' || p.owner === 'b') ? true : undefined;
    });
    await until('6 partitions each for the survivors', balanced(cs.slice(0, 2), 6));
    // G4, judged from the heartbeats themselves so that a slow machine cannot blur it. c's lease was
    // last renewed while its last answered heartbeat was in flight, so it expired by `expired`. Each
    // of its partitions is taken by its new owner's first heartbeat sent after that (or an earlier one
    // the server handled after it), never by one answered before the lease could have expired; and
    // heartbeats go at a fixed rate, so that one was sent within an interval (or one slow answer).
    loopDelay.disable();
    // The latest a timer fired in this process (ns to ms), and at least 100 ms for one firing late on a busy event loop.
    const timerLateness = Math.max(100, loopDelay.max / 1e6);
    const lastRenewal = victim.heartbeats.at(-1)!;
    const expired = lastRenewal.answeredAt + SESSION;
    for (const p of victimPartitions) {
      const taker = cs.slice(0, 2).find((c) => c.consumer.assignment().some((tp) => tp.partition === p))!;
      const taking = taker.heartbeats.find((h) => h.partitions.includes(p) && h.sentAt > lastRenewal.sentAt)!;
      // None yet: then the taking heartbeat was sent before `expired` and handled after the expiry.
      const firstAfter = taker.heartbeats.find((h) => h.sentAt >= expired) ?? taking;
      expect(taking.answeredAt, `partition ${p} taken before c's lease expired`).toBeGreaterThanOrEqual(lastRenewal.sentAt + SESSION);
      expect(taking.sentAt, `partition ${p} not taken at the first heartbeat after expiry`).toBeLessThanOrEqual(firstAfter.sentAt);
      const slowest = Math.max(...taker.heartbeats.map((h) => h.answeredAt - h.sentAt));
      expect(firstAfter.sentAt - expired, `partition ${p}`).toBeLessThanOrEqual(Math.max(HEARTBEAT, slowest) + timerLateness);
    }

    await until('every record processed', () => (log.values().size === 12 * 30 ? true : undefined));
    for (const p of victimPartitions) {
      const taker = cs.slice(0, 2).find((c) => c.consumer.assignment().some((tp) => tp.partition === p))!;
      const taking = taker.heartbeats.find((h) => h.partitions.includes(p) && h.sentAt > lastRenewal.sentAt)!;
      const resumedAt = taking.committedOffsets.get(p) ?? 0;
      // c's last commit: at least its last acknowledged one, at most its last sent one (a commit whose
      // answer timed out on the loaded machine, or was sent just before the kill, may have been applied).
      const acknowledged = victim.committed.get(p) ?? 0;
      expect(resumedAt, `partition ${p}`).toBeGreaterThanOrEqual(acknowledged);
      expect(resumedAt, `partition ${p}`).toBeLessThanOrEqual(Math.max(acknowledged, victim.commitsSent.get(p) ?? 0));
      // Nothing skipped: c committed only what was processed before it.
      for (let offset = 0; offset < resumedAt; offset++) expect(log.entries.findIndex((e) => e.partition === p && e.offset === offset), `partition ${p}@${offset}`).toBeLessThan(atKill);
      // Every value can be in the log already while a new owner has yet to redeliver the record c
      // processed but never committed: wait for its first record here, not for a count.
      const resumedByTaker = () => log.entries.some((e, i) => e.partition === p && e.member !== 'c' && i >= atKill);
      await until(`partition ${p} resumed by its new owner`, () => (resumedAt >= 30 || resumedByTaker() ? true : undefined));
      const taken = log.entries.filter((e, i) => e.partition === p && e.member !== 'c' && i >= atKill);
      // The new owner starts exactly at c's last committed offset (nothing left if c had finished).
      expect(taken[0]?.offset, `partition ${p}`).toBe(resumedAt < 30 ? resumedAt : undefined);
    }
  });

  it('a 4th consumer takes only the partitions it needs, each starting exactly where the old owner committed', async () => {
    await setup(12, 100);
    const log = new ProcessedLog();
    // A long session: no member may expire on a loaded machine, so every move here is a handoff.
    const long = { sessionTimeout: 20_000 };
    const cs = [await start(log, 'a', 25, long), await start(log, 'b', 25, long), await start(log, 'c', 25, long)];
    await until('4 partitions each', balanced(cs, 4));
    const before = new Map(cs.flatMap((c, i) => c.consumer.assignment().map((tp) => [tp.partition, 'abc'[i]!] as const)));
    await until('some progress', () => (log.entries.length >= 40 ? true : undefined));

    cs.push(await start(log, 'd', 25, long));
    await until('3 partitions each', balanced(cs, 3));
    const after = new Map(cs.flatMap((c, i) => c.consumer.assignment().map((tp) => [tp.partition, 'abcd'[i]!] as const)));
    const moved = [...before].filter(([p, owner]) => after.get(p) !== owner);
    expect(moved).toHaveLength(3);
    expect(moved.every(([p]) => after.get(p) === 'd')).toBe(true);

    await until('every record processed', () => (log.values().size === 12 * 100 ? true : undefined));
    // G5: a graceful handoff neither skips nor repeats a record (d gets nothing if the old owner had finished).
    // The old owner may itself have just received the partition from the first member, so what d
    // must continue from is the last record anyone processed there before d began.
    for (const [p] of moved) {
      const first = log.firstBy('d', p);
      const before = log.entries.slice(0, first ? log.entries.indexOf(first) : undefined).filter((e) => e.partition === p);
      const next = (before.at(-1)?.offset ?? -1) + 1;
      expect(first?.offset, `partition ${p}`).toBe(next < 100 ? next : undefined);
    }
    const twice = log.entries.filter((e, i) => log.entries.findIndex((f) => f.partition === e.partition && f.offset === e.offset) !== i);
    expect(twice.map((e) => `${e.member}:${e.partition}@${e.offset}`)).toEqual([]);
  });

  it('a handler slower than the session keeps its lease; a lost lease aborts the handler and fences its commits', async () => {
    const stack = await setup(1, 3);
    const log = new ProcessedLog();
    const slow = killableConsumer(served!.url, { ...base, memberId: 'slow' });
    consumers.push(slow);
    let aborted: unknown;
    await slow.consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await slow.consumer.run({
      eachMessage: async ({ partition, message, signal }) => {
        // G6: three sessions long, yet heartbeats go on in the background.
        if (message.offset === '0') await sleep(3 * SESSION);
        if (message.offset === '2') {
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          aborted = signal.reason;
          return;
        }
        log.add('slow', 'orders', partition, message.offset, message.value);
      },
    });
    await until('two records processed and committed', async () => {
      const d = await stack.request('GET', '/v1/groups/billing');
      return log.entries.length === 2 && d.body.partitions[0].committedOffset === 2 ? d.body.partitions[0] : undefined;
    });
    const d = await stack.request('GET', '/v1/groups/billing');
    expect(d.body.partitions[0]).toMatchObject({ owner: 'slow', epoch: 1 });
    expect(log.entries.map((e) => e.offset)).toEqual([0, 1]);

    // Now its process hangs on record 2 and its network is cut: another member takes over.
    slow.kill();
    const other = await start(log, 'other');
    await until('other holds the partition', () => (other.consumer.assignment().length === 1 ? true : undefined));
    await until('the slow handler is told', () => (aborted ? true : undefined));
    expect(String(aborted)).toMatch(/lease on orders\[0\] lost/);
    const zombie = await stack.request('POST', '/v1/groups/billing/commits', {
      memberId: 'slow',
      offsets: [{ topic: 'orders', partition: 0, epoch: 1, offset: 3 }],
    });
    expect(zombie.status).toBe(409);
    expect(zombie.body.error.code).toBe('not_owner');
    await until('other processes record 2', () => (log.firstBy('other', 0) ? true : undefined));
    expect(log.firstBy('other', 0)!.offset).toBe(2);
  });

  it('a member whose heartbeats hang stops by its own timer: after the takeover it processes no record of the partition (bug 5)', async () => {
    await setup(1, 200);
    // Which member started which record, in the order they started.
    const started: Array<{ member: string; offset: number }> = [];
    let abortedBy: unknown;
    const watched = new WeakSet<AbortSignal>();
    const consume = async (c: TestConsumer, member: string) => {
      await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await c.consumer.run({
        eachMessage: async ({ message, signal }) => {
          started.push({ member, offset: Number(message.offset) });
          if (member === 'a' && !watched.has(signal)) {
            watched.add(signal);
            signal.addEventListener('abort', () => (abortedBy ??= signal.reason), { once: true });
          }
          await new Promise<void>((resolve) => {
            const done = () => (clearTimeout(timer), signal.removeEventListener('abort', done), resolve());
            const timer = setTimeout(done, 20);
            signal.addEventListener('abort', done);
          });
        },
      });
    };
    const a = killableConsumer(served!.url, { ...base, memberId: 'a', maxBatchSize: 50 });
    consumers.push(a);
    await consume(a, 'a');
    await until('a is under way', () => (started.length >= 10 ? true : undefined));
    // a's process stalls as far as heartbeats go (as under SIGSTOP), with records still in hand and still fetching.
    a.hangHeartbeats();
    const b = killableConsumer(served!.url, { ...base, memberId: 'b' });
    consumers.push(b);
    await consume(b, 'b');
    await until('b takes the partition over', () => (started.some((s) => s.member === 'b') ? true : undefined));
    await until("a's handler is aborted", () => (abortedBy ? true : undefined));
    expect(String(abortedBy)).toMatch(/local clock/);
    const takeover = started.findIndex((s) => s.member === 'b');
    expect(started.slice(takeover).filter((s) => s.member === 'a')).toEqual([]);

    // As after SIGCONT: the hung heartbeats go out and are answered late. a must not take up the partition again.
    const answered = a.heartbeats.length;
    a.releaseHeartbeats();
    await until('a is heard by the server again', () => (a.heartbeats.length >= answered + 2 ? true : undefined));
    await until('b reaches the end', () => (started.some((s) => s.member === 'b' && s.offset === 199) ? true : undefined));
    expect(started.slice(takeover).filter((s) => s.member === 'a')).toEqual([]);
  });

  it.each([3, 15])(
    'a running consumer starts a deleted and re-created topic where a new group would, with %i records on it (bug 4b)',
    async (onNewTopic) => {
      const stack = await setup(1, 10);
      const seen: Array<{ offset: number; value: any }> = [];
      // A long session: the heartbeats held below must not expire this member.
      const c = killableConsumer(served!.url, { ...base, memberId: 'r', sessionTimeout: 30_000 });
      consumers.push(c);
      await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await c.consumer.run({ eachMessage: async ({ message }) => void seen.push({ offset: Number(message.offset), value: message.value }) });
      await until('the old topic read and committed', async () => {
        const d = await stack.request('GET', '/v1/groups/billing');
        return seen.length === 10 && d.body.partitions[0]?.committedOffset === 10 ? true : undefined;
      });
      // No heartbeat is answered while the topic is re-created, so the consumer learns of it from its fetches.
      c.hangHeartbeats();
      expect((await stack.request('DELETE', '/v1/topics/orders')).status).toBe(204);
      expect((await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 })).status).toBe(201);
      const produceNew = async (from: number, to: number) => {
        if (from === to) return;
        const records = Array.from({ length: to - from }, (_, i) => ({ value: { fresh: from + i } }));
        expect((await stack.request('POST', '/v1/topics/orders/records', { records })).status).toBe(200);
      };
      await produceNew(0, onNewTopic);
      const fresh = () => seen.filter((s) => s.value?.fresh !== undefined);
      await until('the first records of the new topic', () => (fresh().length >= onNewTopic ? true : undefined));
      c.releaseHeartbeats();
      await produceNew(onNewTopic, 15);
      await until('the whole new topic', () => (fresh().length >= 15 ? true : undefined));
      // From its first record, each exactly once: nothing below the old position was skipped.
      expect(fresh().map((s) => [s.offset, s.value.fresh])).toEqual(Array.from({ length: 15 }, (_, i) => [i, i]));
      await until('the new topic committed to its end', async () => {
        const d = await stack.request('GET', '/v1/groups/billing');
        return d.body.partitions[0]?.committedOffset === 15 ? true : undefined;
      });
    },
  );

  it('with crashes injected, every produced record is processed at least once', async () => {
    const stack = await setup(6, 50);
    const log = new ProcessedLog();
    // Lost answers from DynamoDB on lease renewals and commits: the server applied them, the client never hears.
    const fault = injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'after',
      times: 15,
      match: (input) => input.TableName === stack.config.groupsTable,
    });
    const cs = [await start(log, 'a'), await start(log, 'b'), await start(log, 'c')];
    await until('some progress', () => (log.entries.length >= 60 ? true : undefined));
    cs[0]!.kill();
    await until('more progress', () => (log.entries.length >= 150 ? true : undefined));
    cs[1]!.kill();
    await start(log, 'd');
    await until('every record processed', () => (log.values().size === 6 * 50 ? true : undefined), 60_000);
    expect(fault.count()).toBeGreaterThan(0);
    for (let p = 0; p < 6; p++) for (let i = 0; i < 50; i++) expect(log.values().has(JSON.stringify({ p, i }))).toBe(true);
  });

  it('a join whose answer is lost and retried leaves one member, named by its client id (bug 6)', async () => {
    const stack = await setup(2, 5);
    const log = new ProcessedLog();
    const c = killableConsumer(served!.url, { ...base, clientId: 'billing-worker-1' });
    consumers.push(c);
    // The server applies the first join, and its answer is lost: the client's retry must not create a second member.
    // The member id is the client's own, chosen before the first join.
    const memberId = c.consumer.id;
    expect(memberId).toMatch(/^billing-worker-1-/);
    c.loseNextAnswer((method, path) => method === 'POST' && path === '/v1/groups/billing/members');
    await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await c.consumer.run({ eachMessage: async ({ partition, message }) => log.add('w1', 'orders', partition, message.offset, message.value) });
    // Right after the join, before any session could expire: one member, holding both partitions.
    const joined = await stack.request('GET', '/v1/groups/billing');
    expect(joined.body.members.map((m: any) => m.memberId)).toEqual([memberId]);
    expect(c.consumer.assignment()).toHaveLength(2);
    await until('every record processed', () => (log.values().size === 10 ? true : undefined));
    const d = await stack.request('GET', '/v1/groups/billing');
    expect(d.body.members).toHaveLength(1);
    expect(d.body.members[0]).toMatchObject({ memberId, clientId: 'billing-worker-1', partitions: 2 });
    expect(d.body.partitions.map((p: any) => p.owner)).toEqual([memberId, memberId]);
  });

  it('a poison record goes to the dead-letter topic after bounded retries, and the partition moves on', async () => {
    const stack = await setup(1, 0);
    await stack.request('POST', '/v1/topics', { name: 'orders-dlq', partitions: 1 });
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'ok-1' }, { key: 'k', value: { poison: true } }, { value: 'ok-2' }] });
    const attempts = new Map<string, number>();
    const done: string[] = [];
    const c = killableConsumer(served!.url, { ...base, memberId: 'p', retry: { retries: 2, initialRetryTime: 10 }, deadLetterTopic: 'orders-dlq' });
    consumers.push(c);
    await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await c.consumer.run({
      eachMessage: async ({ message }) => {
        attempts.set(message.offset, (attempts.get(message.offset) ?? 0) + 1);
        if ((message.value as any)?.poison) throw new Error('cannot parse');
        done.push(message.value as string);
      },
    });
    await until('the partition moved past the poison record', () => (done.length === 2 ? true : undefined));
    expect(done).toEqual(['ok-1', 'ok-2']);
    expect(attempts.get('1')).toBe(3);
    const dlq = await stack.request('GET', '/v1/topics/orders-dlq/partitions/0/records?offset=0');
    expect(dlq.body.records).toHaveLength(1);
    expect(dlq.body.records[0]).toMatchObject({
      key: 'k',
      value: { poison: true },
      headers: { 'runnel.dlq.topic': 'orders', 'runnel.dlq.partition': '0', 'runnel.dlq.offset': '1', 'runnel.dlq.error': 'cannot parse' },
    });
    await c.consumer.disconnect();
    const d = await stack.request('GET', '/v1/groups/billing');
    expect(d.body.partitions[0]).toMatchObject({ owner: null, committedOffset: 3, lag: 0 });
  });
});

describe.each(BACKENDS)('consumer controls (%s)', (backend) => {
  it('after a commit that is refused for one partition, the partitions committed anyway are not sent again', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    await produce(stack, 'orders', 2, 3);
    const served = await serveRunnel(stack.runnel);
    // Every commit the client sends, and its answer's status; the first commit of both partitions at
    // their ends goes out with partition 1's epoch moved on, as if its lease had moved meanwhile.
    const commits: Array<{ partitions: number[]; status: number }> = [];
    let armed = true;
    const runnel = new Runnel({
      url: served.url,
      fetch: async (input, init) => {
        if (init?.method !== 'POST' || !String(input).endsWith('/commits')) return fetch(input, init);
        const body = JSON.parse(String(init.body));
        const atEnds = body.offsets.length === 2 && body.offsets.every((o: any) => o.offset === 3);
        if (armed && atEnds) {
          armed = false;
          body.offsets.find((o: any) => o.partition === 1).epoch += 1;
        }
        const res = await fetch(input, { ...init, body: JSON.stringify(body) });
        commits.push({ partitions: body.offsets.map((o: any) => o.partition), status: res.status });
        return res;
      },
    });
    // Both partitions' three records are processed long before the first auto-commit.
    const consumer = runnel.consumer({ ...base, memberId: 'x', autoCommitInterval: 1000 });
    try {
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({ eachMessage: async () => {} });
      const refused = await until('the doctored commit', () => {
        const i = commits.findIndex((c) => c.status === 409);
        return i < 0 ? undefined : i;
      });
      await until('partition 1 committed again', () => (commits.slice(refused + 1).some((c) => c.status === 200) ? true : undefined));
      // Partition 0 went through with the refused request (the 409's `done`); only partition 1 is sent again.
      expect(commits.slice(refused + 1).map((c) => c.partitions)).toEqual(commits.slice(refused + 1).map(() => [1]));
      const d = await stack.request('GET', '/v1/groups/billing');
      expect(d.body.partitions.map((p: any) => p.committedOffset)).toEqual([3, 3]);
    } finally {
      await consumer.disconnect().catch(() => {});
      await served.close();
    }
  });

  it('eachBatch, pause/resume, seek and a synchronous manual commit', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    await produce(stack, 'orders', 2, 10);
    const served = await serveRunnel(stack.runnel);
    const c = killableConsumer(served.url, { ...base, memberId: 'x', autoCommit: false });
    try {
      const seen: Array<[number, number]> = [];
      await c.consumer.subscribe({ topic: 'orders', fromBeginning: true });
      c.consumer.pause([{ topic: 'orders', partitions: [1] }]);
      c.consumer.seek({ topic: 'orders', partition: 0, offset: 4 });
      await c.consumer.run({
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            seen.push([batch.partition, Number(m.offset)]);
            resolveOffset(m.offset);
          }
        },
      });
      await until('partition 0 read from the seek', () => (seen.filter(([p]) => p === 0).length === 6 ? true : undefined));
      expect(seen.filter(([p]) => p === 0).map(([, o]) => o)).toEqual([4, 5, 6, 7, 8, 9]);
      // Paused: nothing from partition 1 while partition 0 was read to its end.
      await sleep(300);
      expect(seen.some(([p]) => p === 1)).toBe(false);
      expect(c.consumer.paused()).toEqual([{ topic: 'orders', partitions: [1] }]);
      c.consumer.resume([{ topic: 'orders' }]);
      await until('partition 1 read after resume', () => (seen.filter(([p]) => p === 1).length === 10 ? true : undefined));

      await c.consumer.commitOffsets([{ topic: 'orders', partition: 0, offset: '7' }]);
      const d = await stack.request('GET', '/v1/groups/billing');
      expect(d.body.partitions.map((p: any) => p.committedOffset)).toEqual([7, null]);
      await expect(c.consumer.commitOffsets([{ topic: 'other', partition: 0, offset: 1 }])).rejects.toThrow(/not assigned/);
      // disconnect commits where each partition got to, and releases both at once.
      await c.consumer.disconnect();
      const after = await stack.request('GET', '/v1/groups/billing');
      expect(after.body.partitions.map((p: any) => [p.owner, p.committedOffset])).toEqual([
        [null, 10],
        [null, 10],
      ]);
    } finally {
      await c.consumer.disconnect().catch(() => {});
      await served.close();
    }
  });
});
