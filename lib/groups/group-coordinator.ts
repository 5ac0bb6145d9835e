import { randomBytes } from 'node:crypto';
import type {
  Assignment,
  CommitRequest,
  CommitResponse,
  FencedOffset,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinRequest,
  LeaveRequest,
  Rejection,
  ReleaseRequest,
  ReleaseResponse,
  TopicPartitionOffset,
} from '../contract/groups.js';
import { DEFAULT_SESSION_TIMEOUT_MS } from '../contract/limits.js';
import { compareTopicPartitions, parseTopicPartitionKey, topicPartitionKey as partitionKey, type TopicPartition } from '../contract/topic-partition.js';
import { RunnelError, conflict, notFound } from '../errors.js';
import type { TopicAutoCreation } from '../topics/auto-create.js';
import type { TopicStore } from '../topics/topic-store.js';
import { assign } from './assignment.js';
import { NOBODY, committedOffsetOf, type GroupItems, type LeaseItem, type LeaseStore, type MemberItem } from './lease-store.js';

const unknownMember = (group: string, memberId: string) =>
  notFound('unknown_member', `member "${memberId}" is not in group "${group}" (its session expired or it left); join again`);

/** The live members of a group, by server time (G7). */
export const liveMembers = (items: GroupItems, now: number): MemberItem[] => items.members.filter((m) => m.expiresAt > now);

/**
 * Whether a lease is held, by server time: it has an owner among the live members, and, if it has an
 * expiry of its own, that has not passed. A member's lease has none: it is valid while its owner's
 * member item is, so a dead member's leases are free as soon as its member item expires (G4).
 */
export function leaseHeld(lease: LeaseItem, live: readonly MemberItem[], now: number): boolean {
  return lease.owner !== undefined && (lease.expiresAt === undefined || lease.expiresAt > now) && live.some((m) => m.memberId === lease.owner);
}

/**
 * Membership, leases and fenced commits. Group and member ids, and requests, arrive validated
 * (lib/api/group-requests.ts at the edge). Every call works from one consistent read of the group and
 * writes each lease with a conditional update, so concurrent members and Lambda instances need no
 * lock: whatever they race for, the epochs decide.
 */
export class GroupCoordinator {
  private readonly store: LeaseStore;
  private readonly topics: TopicStore;
  private readonly autoCreate: TopicAutoCreation | undefined;
  private readonly clock: () => number;
  /** Whether a group is a push subscription's: its dispatcher holds the leases, so no member may join it. */
  private readonly isSubscription: (group: string) => Promise<boolean>;

  constructor({
    store,
    topics,
    autoCreate,
    clock = Date.now,
    isSubscription = async () => false,
  }: {
    store: LeaseStore;
    topics: TopicStore;
    /** Creates a subscribed topic that does not exist, when `auto.create.topics.enable` is on (as a Kafka consumer's metadata request does). */
    autoCreate?: TopicAutoCreation | undefined;
    clock?: () => number;
    isSubscription?: (group: string) => Promise<boolean>;
  }) {
    this.store = store;
    this.topics = topics;
    this.autoCreate = autoCreate;
    this.clock = clock;
    this.isSubscription = isSubscription;
  }

  async join(group: string, request: JoinRequest): Promise<HeartbeatResponse> {
    for (const topic of request.topics) await (this.autoCreate ?? this.topics).get(topic);
    if (await this.isSubscription(group)) throw conflict('group_is_subscription', `"${group}" is a push subscription's group; its records are delivered by Runnel, not by members`);
    const memberId = request.memberId ?? `member-${randomBytes(8).toString('hex')}`;
    const sessionTimeoutMs = request.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const now = this.clock();
    const member: MemberItem = {
      memberId,
      ...(request.clientId === undefined ? {} : { clientId: request.clientId }),
      topics: [...new Set(request.topics)],
      sessionTimeoutMs,
      expiresAt: now + sessionTimeoutMs,
    };
    await this.store.putMember(group, member);
    return this.rebalance({ group, me: member, now, joining: true });
  }

  /**
   * Renews the member's session: for `sessionTimeoutMs` when the heartbeat names one (which then stays
   * the member's session), else for the session it has. Takers judge a lease by its owner's expiry, so
   * a member that names a longer session while idle is simply taken over later if it dies (G4).
   */
  async heartbeat(group: string, memberId: string, request: HeartbeatRequest = {}): Promise<HeartbeatResponse> {
    const now = this.clock();
    const items = await this.store.read(group);
    const member = liveMembers(items, now).find((m) => m.memberId === memberId);
    if (!member) throw unknownMember(group, memberId);
    const sessionTimeoutMs = request.sessionTimeoutMs ?? member.sessionTimeoutMs;
    const expiresAt = now + sessionTimeoutMs;
    const changed = sessionTimeoutMs === member.sessionTimeoutMs ? undefined : sessionTimeoutMs;
    if (!(await this.store.renewMember({ group, memberId, now, expiresAt, sessionTimeoutMs: changed }))) throw unknownMember(group, memberId);
    return this.rebalance({ group, me: { ...member, sessionTimeoutMs, expiresAt }, now, seen: items });
  }

  /**
   * One round for one member: keep what it holds, mark what it must hand off, take what is free.
   * Every member computes the same target from the same live members, so the whole group converges
   * in one heartbeat interval, not one lease per cycle. A member's leases live as long as its member
   * item, so in a settled group this round writes nothing: the heartbeat's one write is the member item.
   */
  private async rebalance({
    group,
    me,
    now,
    seen,
    joining = false,
  }: {
    group: string;
    me: MemberItem;
    now: number;
    /** The group as read for this call already, if it was. */
    seen?: GroupItems;
    /** A join: leases under the member's own id are from an earlier process. */
    joining?: boolean;
  }): Promise<HeartbeatResponse> {
    const items = seen ?? (await this.store.read(group));
    const live = liveMembers(items, now).filter((m) => m.memberId !== me.memberId).concat(me);
    const target = await this.target(items, live);
    const leases = new Map(items.leases.map((l) => [partitionKey(l), l]));
    const assignments: Assignment[] = [];
    const pending: TopicPartition[] = [];
    const topicIds = new Map<string, string | undefined>();
    for (const topic of new Set([...items.leases.map((l) => l.topic), ...me.topics])) topicIds.set(topic, (await this.topics.find(topic))?.topicId);
    const toAssignment = (l: LeaseItem, epoch: number, handoff: boolean): Assignment => ({
      topic: l.topic,
      partition: l.partition,
      epoch,
      topicId: topicIds.get(l.topic) ?? null,
      committedOffset: committedOffsetOf(l, topicIds.get(l.topic)) ?? null,
      handoff,
    });

    await Promise.all(
      items.leases
        .filter((l) => l.owner === me.memberId && !joining && leaseHeld(l, live, now))
        .map(async (l) => {
          const to = target.get(partitionKey(l)) ?? NOBODY;
          const handoff = to !== me.memberId;
          if (handoff && l.handoffSince !== undefined && now - l.handoffSince >= me.sessionTimeoutMs) {
            // A handoff its owner has not finished within a session (a handler stuck, say): pass the
            // lease on now, with a new epoch that fences the owner, so one stuck member cannot stall it.
            const next = live.find((m) => m.memberId === to);
            await this.store.release({ group, tp: l, memberId: me.memberId, epoch: l.epoch, next: next && { memberId: next.memberId } });
            return;
          }
          // Write only when the mark must change; the consistent read says it is ours at this epoch.
          const mark = handoff ? to : undefined;
          if (mark === l.handoffTo || (await this.store.markHandoff({ group, lease: l, memberId: me.memberId, now, handoffTo: mark }))) {
            assignments.push(toAssignment(l, l.epoch, handoff));
          }
        }),
    );
    await Promise.all(
      [...target]
        .filter(([key, owner]) => owner === me.memberId && !assignments.some((a) => partitionKey(a) === key))
        .map(async ([key]) => {
          const lease = leases.get(key);
          const tp = lease ?? parseTopicPartitionKey(key);
          // On a join, leases under its own id are from an earlier process: take them with a new epoch.
          const free = !lease || !leaseHeld(lease, live, now) || (joining && lease.owner === me.memberId);
          const taken = free ? await this.store.acquire(group, tp, { seenEpoch: lease?.epoch, memberId: me.memberId, now }) : undefined;
          // Its committed offset as the take left it: the previous owner can commit nothing after that.
          if (taken) assignments.push(toAssignment(taken, taken.epoch, false));
          else pending.push({ topic: tp.topic, partition: tp.partition });
        }),
    );
    // Expired members go last: one whose clock runs behind ours may still commit until its leases are taken.
    await Promise.all(items.members.filter((m) => m.expiresAt <= now).map((m) => this.store.deleteMember(group, m.memberId, now)));
    return {
      memberId: me.memberId,
      sessionTimeoutMs: me.sessionTimeoutMs,
      assignments: assignments.sort(compareTopicPartitions),
      pending: pending.sort(compareTopicPartitions),
    };
  }

  /** The target owner of each partition of the topics the live members subscribe to. */
  private async target(items: GroupItems, live: MemberItem[]): Promise<Map<string, string>> {
    const partitions: TopicPartition[] = [];
    for (const topic of new Set(live.flatMap((m) => m.topics))) {
      const found = await this.topics.find(topic);
      for (let p = 0; p < (found?.partitions ?? 0); p++) partitions.push({ topic, partition: p });
    }
    const liveIds = new Set(live.map((m) => m.memberId));
    const current = new Map(items.leases.filter((l) => l.owner && liveIds.has(l.owner)).map((l) => [partitionKey(l), l.owner!]));
    return assign(live.map((m) => ({ id: m.memberId, topics: m.topics })), partitions, current);
  }

  async commit(group: string, request: CommitRequest): Promise<CommitResponse> {
    const { committed, rejected } = await this.commitAll(group, request.memberId, request.offsets);
    if (rejected.length) throw fenced(rejected, committed);
    return { committed };
  }

  private async commitAll(group: string, memberId: string, offsets: FencedOffset[]) {
    const committed: TopicPartitionOffset[] = [];
    const rejected: Rejection[] = [];
    if (!offsets.length) return { committed, rejected };
    const now = this.clock();
    // A member's leases expire with its member item (G2): once that has, another member may take them
    // at any moment and start from the committed offset, so nothing more is committed for it.
    const member = await this.store.readMember(group, memberId);
    const alive = member !== undefined && member.expiresAt > now;
    await Promise.all(
      offsets.map(async (o) => {
        const tp = { topic: o.topic, partition: o.partition };
        const topicId = (await this.topics.find(o.topic))?.topicId ?? '';
        if (o.topicId !== undefined && o.topicId !== topicId) return rejected.push({ ...tp, reason: 'topic_recreated' });
        if (alive && (await this.store.commit({ group, tp, memberId, epoch: o.epoch, offset: o.offset, topicId, now }))) return committed.push({ ...tp, offset: o.offset });
        const lease = await this.store.readLease(group, tp);
        if (lease?.owner === memberId && lease.epoch === o.epoch) {
          // Its session ran out: nobody may have taken the lease yet, but someone may at any moment (G2).
          if (!alive || (lease.expiresAt !== undefined && lease.expiresAt <= now)) return rejected.push({ ...tp, reason: 'lease_expired' });
          // Still the owner at that epoch: the offset was behind the committed one, which is a no-op (G3).
          return committed.push({ ...tp, offset: committedOffsetOf(lease, topicId) ?? o.offset });
        }
        // Still the owner, but at a newer epoch: it lost the lease in between and got it back.
        rejected.push({ ...tp, reason: lease?.owner === memberId ? 'stale_epoch' : 'not_owner' });
      }),
    );
    return { committed, rejected };
  }

  async release(group: string, memberId: string, req: ReleaseRequest): Promise<ReleaseResponse> {
    const { rejected } = await this.commitAll(group, memberId, req.partitions.filter((p): p is FencedOffset => p.offset !== undefined));
    const failed = new Set(rejected.map(partitionKey));
    const released = await this.handOver({ group, memberId, held: req.partitions.filter((p) => !failed.has(partitionKey(p))), leaving: false });
    const lost = req.partitions.filter((p) => !failed.has(partitionKey(p)) && !released.some((r) => partitionKey(r) === partitionKey(p)));
    rejected.push(...lost.map((p) => ({ topic: p.topic, partition: p.partition, reason: 'not_owner' as const })));
    if (rejected.length) throw fenced(rejected, released);
    return { released };
  }

  async leave(group: string, memberId: string, request: LeaveRequest = {}): Promise<ReleaseResponse> {
    const items = await this.store.read(group);
    if (!items.members.some((m) => m.memberId === memberId)) throw unknownMember(group, memberId);
    await this.commitAll(group, memberId, request.offsets ?? []);
    // Gone from the member list first, so the target computed for the hand-over excludes it.
    await this.store.deleteMember(group, memberId);
    const held = items.leases.filter((l) => l.owner === memberId);
    return { released: await this.handOver({ group, memberId, held, leaving: true }) };
  }

  /**
   * Releases leases straight to their next owners (a new epoch each), so a graceful leave or handoff
   * never waits for a session to time out. A next owner learns of them at its next heartbeat.
   */
  private async handOver({
    group,
    memberId,
    held,
    leaving,
  }: {
    group: string;
    memberId: string;
    held: Array<TopicPartition & { epoch: number }>;
    /** The member is leaving: its leases go to the others, never back to it. */
    leaving: boolean;
  }): Promise<TopicPartition[]> {
    const now = this.clock();
    const items = await this.store.read(group);
    const live = liveMembers(items, now).filter((m) => !leaving || m.memberId !== memberId);
    const target = await this.target(items, live);
    const released: TopicPartition[] = [];
    await Promise.all(
      held.map(async (l) => {
        const nextId = target.get(partitionKey(l));
        const next = nextId === memberId ? undefined : live.find((m) => m.memberId === nextId);
        if (await this.store.release({ group, tp: l, memberId, epoch: l.epoch, next: next && { memberId: next.memberId } })) released.push({ topic: l.topic, partition: l.partition });
      }),
    );
    return released;
  }
}

function fenced(rejected: Rejection[], done: TopicPartition[]): RunnelError {
  const code = rejected.every((r) => r.reason === rejected[0]!.reason) ? rejected[0]!.reason : 'not_owner';
  const list = rejected.map((r) => `${r.topic}[${r.partition}]: ${r.reason}`).join(', ');
  return new RunnelError({ status: 409, code, message: `this member no longer holds ${list}; stop processing those partitions`, details: { rejected, done } });
}
