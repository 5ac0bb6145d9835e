import { describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../lib/groups/group-coordinator.js';
import { LeaseStore } from '../../lib/groups/lease-store.js';
import { countMatching } from '../support/faults.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function join(stack: TestStack, memberId: string, sessionTimeoutMs = 10_000, topics = ['orders']) {
  const res = await stack.request('POST', '/v1/groups/g/members', { topics, sessionTimeoutMs, memberId });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function heartbeat(stack: TestStack, memberId: string) {
  const res = await stack.request('POST', `/v1/groups/g/members/${memberId}/heartbeat`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Heartbeats every member in turn until nobody's assignment changes: one settled round. */
async function settle(stack: TestStack, members: string[]) {
  let last = '';
  for (let round = 0; round < 10; round++) {
    const seen: Record<string, string[]> = {};
    for (const m of members) {
      const hb = await heartbeat(stack, m);
      for (const a of hb.assignments.filter((a: any) => a.handoff)) {
        const res = await stack.request('POST', `/v1/groups/g/members/${m}/release`, { partitions: [{ topic: a.topic, partition: a.partition, epoch: a.epoch }] });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      seen[m] = hb.assignments.filter((a: any) => !a.handoff).map((a: any) => `${a.topic}#${a.partition}`);
    }
    const now = JSON.stringify(seen);
    if (now === last) return seen;
    last = now;
  }
  throw new Error(`group did not settle: ${last}`);
}

describe.each(BACKENDS)('consumer groups protocol (%s)', (backend) => {
  it('balances 12 partitions over 3 members, moves only what a 4th needs, and fences a zombie', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    for (const m of ['a', 'b', 'c']) await join(stack, m);
    const three = await settle(stack, ['a', 'b', 'c']);
    expect(Object.values(three).map((ps) => ps.length)).toEqual([4, 4, 4]);
    expect(new Set(Object.values(three).flat()).size).toBe(12);

    // b commits on one of its partitions, then the 4th member joins.
    const bLease = (await heartbeat(stack, 'b')).assignments[0];
    const commit = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'b', offsets: [{ ...bLease, offset: 0, committedOffset: undefined, handoff: undefined }] });
    expect(commit.status, JSON.stringify(commit.body)).toBe(200);

    await join(stack, 'd');
    const four = await settle(stack, ['a', 'b', 'c', 'd']);
    expect(Object.values(four).map((ps) => ps.length).sort()).toEqual([3, 3, 3, 3]);
    const moved = Object.entries(three).flatMap(([m, ps]) => ps.filter((p) => !four[m]!.includes(p)));
    expect(moved).toHaveLength(3);
    expect(moved.every((p) => four.d!.includes(p))).toBe(true);

    // Whoever held a moved partition at its old epoch is now a zombie for it.
    const describe = await stack.request('GET', '/v1/groups/g');
    expect(describe.body.state).toBe('stable');
    const movedKey = moved[0]!;
    const oldOwner = Object.entries(three).find(([, ps]) => ps.includes(movedKey))![0];
    const now = describe.body.partitions.find((p: any) => `${p.topic}#${p.partition}` === movedKey);
    expect(now.owner).toBe('d');
    const zombie = await stack.request('POST', '/v1/groups/g/commits', {
      memberId: oldOwner,
      offsets: [{ topic: now.topic, partition: now.partition, epoch: now.epoch - 1, offset: 5 }],
    });
    expect(zombie.status).toBe(409);
    expect(zombie.body.error.code).toBe('not_owner');
    const stale = await stack.request('POST', '/v1/groups/g/commits', {
      memberId: 'd',
      offsets: [{ topic: now.topic, partition: now.partition, epoch: now.epoch - 1, offset: 5 }],
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_epoch');
  });

  it('offsets only move forward, and a reset needs a group without live members', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await stack.request('POST', '/v1/topics/orders/records', { records: Array.from({ length: 10 }, (_, i) => ({ value: i })) });
    const lease = (await join(stack, 'a')).assignments[0];
    const commit = (offset: number) =>
      stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset }] });
    expect((await commit(7)).status).toBe(200);
    expect((await commit(3)).body.committed[0].offset).toBe(7);
    const described = await stack.request('GET', '/v1/groups/g');
    expect(described.body.partitions[0]).toMatchObject({ committedOffset: 7, highWatermark: 10, lag: 3, owner: 'a' });

    expect((await stack.request('POST', '/v1/groups/g/offsets', { topic: 'orders', to: 'earliest' })).body.error.code).toBe('group_active');
    expect((await stack.request('DELETE', '/v1/groups/g')).status).toBe(409);
    const left = await stack.request('DELETE', '/v1/groups/g/members/a');
    expect(left.body.released).toEqual([{ topic: 'orders', partition: 0 }]);
    const reset = await stack.request('POST', '/v1/groups/g/offsets', { topic: 'orders', to: 'offset', offset: 2 });
    expect(reset.body.offsets).toEqual([{ topic: 'orders', partition: 0, offset: 2 }]);
    expect((await stack.request('POST', '/v1/groups/g/offsets', { topic: 'orders', to: 'offset', offset: 11 })).body.error.code).toBe('offset_out_of_range');
    expect((await join(stack, 'b')).assignments[0]).toMatchObject({ committedOffset: 2 });
    expect((await stack.request('GET', '/v1/groups')).body.groups).toEqual([{ group: 'g', members: 1, partitions: 1 }]);
    await stack.request('DELETE', '/v1/groups/g/members/b');
    expect((await stack.request('DELETE', '/v1/groups/g')).status).toBe(204);
    expect((await stack.request('GET', '/v1/groups/g')).status).toBe(404);
  });

  it('a dead member expires after its session, and its leases go to the others with a new epoch', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 4 });
    // Long enough that a loaded test machine cannot expire a before it has settled.
    await join(stack, 'a', 3000);
    await join(stack, 'b', 30_000);
    const before = await settle(stack, ['a', 'b']);
    expect(before.a).toHaveLength(2);
    await sleep(3100);
    // a stopped heartbeating; b, still alive, takes a's partitions at its next heartbeat.
    const hb = await heartbeat(stack, 'b');
    expect(hb.assignments.map((a: any) => `${a.topic}#${a.partition}`).sort()).toEqual(['orders#0', 'orders#1', 'orders#2', 'orders#3']);
    expect((await stack.request('POST', '/v1/groups/g/members/a/heartbeat')).body.error.code).toBe('unknown_member');
  });

  it('a live member that never finishes a handoff loses the partition after one session, fenced', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    // a holds both and keeps heartbeating, but never releases what it is asked to hand off.
    await join(stack, 'a', 3000);
    await join(stack, 'b', 30_000);
    const marked = (await heartbeat(stack, 'a')).assignments.find((x: any) => x.handoff);
    expect(marked).toBeDefined();
    expect((await heartbeat(stack, 'b')).pending).toHaveLength(1);
    // Heartbeats inside the session keep the lease a's, still marked.
    await sleep(1000);
    expect((await heartbeat(stack, 'a')).assignments.find((x: any) => x.partition === marked.partition)?.handoff).toBe(true);
    await sleep(2100);
    const a = await heartbeat(stack, 'a');
    expect(a.assignments.map((x: any) => x.partition)).not.toContain(marked.partition);
    const b = await heartbeat(stack, 'b');
    const taken = b.assignments.find((x: any) => x.partition === marked.partition);
    expect(taken.epoch).toBeGreaterThan(marked.epoch);
    const zombie = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: marked.partition, epoch: marked.epoch, offset: 1 }] });
    expect(zombie.status).toBe(409);
  });

  it('concurrent members on several instances never hold a partition at once, and an epoch has one owner (G1)', async () => {
    const first = await createTestStack(backend);
    await first.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    const instances = [first, first.another(), first.another()];
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    const ownerOfEpoch = new Map<string, string>();
    const check = (answers: Array<{ memberId: string; assignments: any[] }>) => {
      const held = new Map<string, string>();
      for (const { memberId, assignments } of answers) {
        for (const a of assignments) {
          const key = `${a.topic}#${a.partition}`;
          expect(held.get(key), `${key} held by ${held.get(key)} and ${memberId}`).toBeUndefined();
          held.set(key, memberId);
          const epochKey = `${key}@${a.epoch}`;
          expect(ownerOfEpoch.get(epochKey) ?? memberId).toBe(memberId);
          ownerOfEpoch.set(epochKey, memberId);
        }
      }
    };
    const joins = await Promise.all(ids.map((m, i) => instances[i % 3]!.request('POST', '/v1/groups/g/members', { topics: ['orders'], memberId: m })));
    check(joins.map((r) => r.body));
    // Heartbeats race each other; nobody releases, so a partition can only move by a conditional take-over.
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(ids.map((m, i) => instances[(i + round) % 3]!.request('POST', `/v1/groups/g/members/${m}/heartbeat`)));
      check(answers.map((r) => r.body));
    }
  });

  it('a heartbeat is exactly one conditional write, the member item, whatever the lease count', async () => {
    let now = Date.now();
    const stack = await createTestStack(backend, { clock: () => now });
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    const writes: Array<{ command: string; key: string; condition: string | undefined }> = [];
    countMatching(stack.runnel.clients.dynamo, (command, input) => {
      if (/^(Put|Update|Delete)Item/.test(command) && input.TableName === stack.config.groupsTable) {
        writes.push({ command, key: input.Key?.item?.S ?? input.Item?.item?.S, condition: input.ConditionExpression });
      }
      return false;
    });
    // One member holding all 12 leases, then two holding 6 each.
    expect((await join(stack, 'a')).assignments).toHaveLength(12);
    for (const leases of [12, 6]) {
      if (leases === 6) {
        await join(stack, 'b');
        await settle(stack, ['a', 'b']);
      }
      for (let beat = 0; beat < 3; beat++) {
        now += 3000;
        writes.length = 0;
        for (const m of leases === 12 ? ['a'] : ['a', 'b']) {
          const hb = await heartbeat(stack, m);
          expect(hb.assignments.filter((x: any) => !x.handoff)).toHaveLength(leases);
        }
        const members = leases === 12 ? ['a'] : ['a', 'b'];
        expect(writes).toEqual(members.map((m) => ({ command: 'UpdateItemCommand', key: `member#${m}`, condition: 'expiresAt > :now' })));
      }
    }
  });

  it("a dead member's leases are taken once its member item expires, and a live member's never are (G4)", async () => {
    let now = Date.now();
    const stack = await createTestStack(backend, { clock: () => now });
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    await join(stack, 'a', 5000);
    await join(stack, 'b', 5000);
    const settled = await settle(stack, ['a', 'b']);
    const epochs = async () => new Map((await stack.request('GET', '/v1/groups/g')).body.partitions.map((p: any) => [p.partition, `${p.owner}@${p.epoch}`]));
    const before = await epochs();
    // b heartbeats for longer than a session while a keeps its member item alive: nothing moves.
    for (let i = 0; i < 5; i++) {
      now += 2000;
      await heartbeat(stack, 'a');
      const b = await heartbeat(stack, 'b');
      expect(b.assignments.map((x: any) => `${x.topic}#${x.partition}`)).toEqual(settled.b);
      expect(b.pending).toEqual([]);
    }
    expect(await epochs()).toEqual(before);
    // a stops. Until its member item expires (server time) its leases stay its own...
    now += 4999;
    await heartbeat(stack, 'b');
    expect(await epochs()).toEqual(before);
    // ...and the first heartbeat after that takes them, each with a new epoch.
    now += 1;
    const b = await heartbeat(stack, 'b');
    expect(b.assignments).toHaveLength(12);
    const after = await epochs();
    for (const key of settled.a!) {
      const partition = Number(key.split('#')[1]);
      const [owner, epoch] = String(before.get(partition)).split('@');
      expect(owner).toBe('a');
      expect(after.get(partition)).toBe(`b@${Number(epoch) + 1}`);
    }
    for (const key of settled.b!) expect(after.get(Number(key.split('#')[1]))).toBe(before.get(Number(key.split('#')[1])));
    const zombie = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: Number(settled.a![0]!.split('#')[1]), epoch: 1, offset: 1 }] });
    expect(zombie.status).toBe(409);
  });

  it('lists partitions in number order, 2 before 10, in assignments and in describe', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    const inOrder = Array.from({ length: 12 }, (_, p) => p);
    expect((await join(stack, 'a')).assignments.map((a: any) => a.partition)).toEqual(inOrder);
    expect((await heartbeat(stack, 'a')).assignments.map((a: any) => a.partition)).toEqual(inOrder);
    const described = await stack.request('GET', '/v1/groups/g');
    expect(described.body.partitions.map((p: any) => p.partition)).toEqual(inOrder);
  });

  it('a commit from an owner whose lease expired is rejected, even before anyone takes the lease (G2, bug 5)', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    let now = Date.now();
    const store = new LeaseStore(stack.runnel.clients.dynamo, stack.config.groupsTable);
    const coordinator = new GroupCoordinator({ store, topics: stack.runnel.topics, clock: () => now });
    const lease = (await coordinator.join('g', { topics: ['orders'], memberId: 'a', sessionTimeoutMs: 1000 })).assignments[0]!;
    const commit = (offset: number) => coordinator.commit('g', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset }] });
    expect(await commit(1)).toEqual({ committed: [{ topic: 'orders', partition: 0, offset: 1 }] });
    now += 999;
    expect(await commit(2)).toEqual({ committed: [{ topic: 'orders', partition: 0, offset: 2 }] });
    // The session is over by the server's clock: owner and epoch still match, but the lease is no longer held.
    now += 1;
    const expired = await commit(3).catch((e) => e);
    expect(expired).toMatchObject({ status: 409, code: 'lease_expired', details: { rejected: [{ topic: 'orders', partition: 0, reason: 'lease_expired' }] } });
    expect(await store.readLease('g', { topic: 'orders', partition: 0 })).toMatchObject({ owner: 'a', epoch: lease.epoch, committedOffset: 2 });
  });

  it('a new owner starts from the offset committed when it acquired the lease, not from what it read before (bug 5)', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await stack.request('POST', '/v1/topics/orders/records', { records: Array.from({ length: 10 }, (_, i) => ({ value: i })) });
    const dynamo = stack.runnel.clients.dynamo;
    const store = new LeaseStore(dynamo, stack.config.groupsTable);
    // Two Lambda instances whose clocks disagree: by b's, a's lease has expired; by a's, it has not.
    const start = Date.now();
    let aClock = start;
    let bClock = start;
    const onA = new GroupCoordinator({ store, topics: stack.runnel.topics, clock: () => aClock });
    const onB = new GroupCoordinator({ store, topics: stack.runnel.topics, clock: () => bClock });
    const lease = (await onA.join('g', { topics: ['orders'], memberId: 'a', sessionTimeoutMs: 1000 })).assignments[0]!;
    await onA.commit('g', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset: 3 }] });
    await onB.join('g', { topics: ['orders'], memberId: 'b', sessionTimeoutMs: 30_000 });
    aClock = start + 500;
    bClock = start + 1500;
    // a commits between b's read of the group and b's taking of the lease.
    let raced = false;
    dynamo.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const taking = context.commandName === 'UpdateItemCommand' && args.input.ExpressionAttributeValues?.[':me']?.S === 'b' && String(args.input.UpdateExpression).startsWith('SET #o = :me, epoch');
        if (taking && !raced) {
          raced = true;
          await onA.commit('g', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset: 7 }] });
        }
        return next(args);
      },
      { step: 'initialize', name: 'commit-before-take' },
    );
    const b = await onB.heartbeat('g', 'b');
    expect(raced).toBe(true);
    expect(b.assignments).toEqual([expect.objectContaining({ partition: 0, epoch: lease.epoch + 1, committedOffset: 7 })]);
  });

  it('racing takers of one lease: exactly one wins each epoch, and the loser can neither renew nor commit', async () => {
    const stack = await createTestStack(backend);
    const store = new LeaseStore(stack.runnel.clients.dynamo, stack.config.groupsTable);
    const tp = { topic: 'orders', partition: 0 };
    const now = Date.now();
    const race = (seen: number | undefined, at: number, prefix = 'm') =>
      Promise.all(Array.from({ length: 8 }, (_, i) => store.acquire('g', tp, { seenEpoch: seen, memberId: `${prefix}${i}`, now: at, expiresAt: at + 1000 })));
    const first = await race(undefined, now);
    expect(first.filter(Boolean)).toHaveLength(1);
    const winner = `m${first.findIndex(Boolean)}`;
    expect(first.find(Boolean)).toMatchObject({ owner: winner, epoch: 1 });
    expect(await store.readLease('g', tp)).toMatchObject({ owner: winner, epoch: 1 });
    // While the lease is live, nobody takes it; once it expired (server time), exactly one does.
    expect((await race(1, now + 10, 'other')).filter(Boolean)).toHaveLength(0);
    const second = await race(1, now + 2000);
    expect(second.filter(Boolean)).toHaveLength(1);
    const lease = (await store.readLease('g', tp))!;
    expect(lease.epoch).toBe(2);
    if (lease.owner !== winner) {
      expect(await store.renewLease({ group: 'g', lease: { ...tp, epoch: 1, expiresAt: 0 }, memberId: winner, now: now + 2000, expiresAt: now + 3000 })).toBe(false);
    }
    expect(await store.commit({ group: 'g', tp, memberId: winner === lease.owner ? 'nobody' : winner, epoch: 1, offset: 5, topicId: 'topic-id', now: now + 2000 })).toBe(false);
  });

  it("a deleted and re-created topic does not inherit the group's old committed offsets", async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await stack.request('POST', '/v1/topics/orders/records', { records: Array.from({ length: 5 }, (_, i) => ({ value: i })) });
    const lease = (await join(stack, 'a')).assignments[0];
    const oldId = (await stack.request('GET', '/v1/topics/orders')).body.topicId;
    expect(lease.topicId).toBe(oldId);
    const commit = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset: 5, topicId: oldId }] });
    expect(commit.status).toBe(200);
    await stack.request('DELETE', '/v1/topics/orders');
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    const newId = (await stack.request('GET', '/v1/topics/orders')).body.topicId;
    expect(newId).not.toBe(oldId);
    // A position read from the old topic is refused on the new one (bug 4b): it would skip [0, 6).
    const stale = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset: 6, topicId: oldId }] });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('topic_recreated');
    expect((await stack.request('GET', '/v1/topics/orders/partitions/0/records?offset=0')).body.topicId).toBe(newId);
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'new' }, { value: 'newer' }] });
    const described = await stack.request('GET', '/v1/groups/g');
    expect(described.body.partitions[0]).toMatchObject({ committedOffset: null, highWatermark: 2, lag: 2 });
    expect((await heartbeat(stack, 'a')).assignments[0]).toMatchObject({ committedOffset: null, topicId: newId });
    // Offsets on the new topic start afresh: committing 1 is not "backwards" from the old topic's 5.
    const fresh = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: lease.epoch, offset: 1 }] });
    expect(fresh.body).toEqual({ committed: [{ topic: 'orders', partition: 0, offset: 1 }] });
    expect((await stack.request('GET', '/v1/groups/g')).body.partitions[0]).toMatchObject({ committedOffset: 1, lag: 1 });
  });

  it('a member that joins again under its id gets new epochs, fencing its earlier process', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    const first = await join(stack, 'a');
    expect(first.assignments.map((a: any) => a.epoch)).toEqual([1, 1]);
    // A retried join (its first answer lost) is this same case: still one member, now named by its client id.
    const again = (await stack.request('POST', '/v1/groups/g/members', { topics: ['orders'], memberId: 'a', clientId: 'billing on host-1 (pid 42)' })).body;
    expect(again.assignments.map((a: any) => a.epoch)).toEqual([2, 2]);
    const members = (await stack.request('GET', '/v1/groups/g')).body.members;
    expect(members).toEqual([expect.objectContaining({ memberId: 'a', clientId: 'billing on host-1 (pid 42)', partitions: 2 })]);
    const old = await stack.request('POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: 1, offset: 0 }] });
    expect(old.status).toBe(409);
    expect(old.body.error.code).toBe('stale_epoch');
  });

  it('rejects bad input with a 4xx naming the field', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v1/groups/g/members', { topics: [] }, 'topics'],
      ['POST', '/v1/groups/g/members', { topics: ['orders'], sessionTimeoutMs: 5 }, 'sessionTimeoutMs'],
      ['POST', '/v1/groups/g/members', { topics: ['orders'], clientId: 'line\nbreak' }, 'clientId'],
      ['POST', '/v1/groups/bad%20id/members', { topics: ['orders'] }, 'group'],
      ['POST', '/v1/groups/g/commits', { memberId: 'a', offsets: [{ topic: 'orders', partition: 0, epoch: 1, offset: -1 }] }, 'offsets[0].offset'],
      ['POST', '/v1/groups/g/offsets', { topic: 'orders', to: 'timestamp' }, 'timestamp'],
      ['POST', '/v1/groups/g/offsets', { topic: 'orders', to: 'sometime' }, 'to'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await stack.request(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await stack.request('POST', '/v1/groups/g/members', { topics: ['nope'] })).body.error.code).toBe('unknown_topic');
    expect((await stack.request('POST', '/v1/groups/g/members', '{')).body.error.code).toBe('invalid_json');
    expect((await stack.request('DELETE', '/v1/groups/g/members/x')).status).toBe(404);
  });
});
