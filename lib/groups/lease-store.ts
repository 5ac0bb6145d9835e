import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  paginateScan,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { conditional } from '../storage/conditional.js';
import type { TopicPartition } from '../contract/topic-partition.js';

export interface MemberItem {
  memberId: string;
  /** The human-readable name the client gave itself, shown by describe. */
  clientId?: string;
  topics: string[];
  sessionTimeoutMs: number;
  /** Server time. */
  expiresAt: number;
}

export interface LeaseItem extends TopicPartition {
  /** Bumped on every change of owner; 0 for a lease that was never owned. */
  epoch: number;
  owner?: string;
  /**
   * Server time. Undefined for a consumer group member's lease: it is valid while its owner's member
   * item is, so a heartbeat renews the member item alone and writes no lease. A lease with its own
   * expiry (a subscription dispatcher's, say) is renewed on its own.
   */
  expiresAt?: number;
  committedOffset?: number;
  /** The topic id `committedOffset` was committed against: offsets of a deleted topic do not carry over to a re-created one. */
  offsetTopicId?: string;
  /** The member this lease is to go to; NOBODY when no live member subscribes to its topic any more. */
  handoffTo?: string;
  /** Server time the lease was first marked for handoff: the owner has one session to finish it. */
  handoffSince?: number;
}

export interface GroupItems {
  members: MemberItem[];
  leases: LeaseItem[];
}

/** Who takes a lease, as it was last seen, when (server time), and until when if it is to have an expiry of its own. */
export interface LeaseTake {
  /** The epoch the taker read; undefined if it saw no lease item at all. */
  seenEpoch: number | undefined;
  memberId: string;
  now: number;
  /** Omit for a member's lease: it is then valid while the member's item is. */
  expiresAt?: number;
}

/** Not a valid member id (ids never contain "#"). */
export const NOBODY = '#none';

const MEMBER = 'member#';
const LEASE = 'lease#';

/** The sort key of a partition's lease item in its group; push subscriptions keep their delivery state there too. */
export const leaseItemKey = (tp: TopicPartition) => `${LEASE}${tp.topic}#${tp.partition}`;
export const LEASE_ITEM_PREFIX = LEASE;

const n = (v: number): AttributeValue => ({ N: String(v) });
const num = (v: AttributeValue | undefined) => (v?.N === undefined ? undefined : Number(v.N));

const toMember = (item: Record<string, AttributeValue>): MemberItem => ({
  memberId: item.memberId!.S!,
  clientId: item.clientId?.S,
  topics: (item.topics?.L ?? []).map((t) => t.S!),
  sessionTimeoutMs: num(item.sessionTimeoutMs)!,
  expiresAt: num(item.expiresAt)!,
});

export const toLease = (item: Record<string, AttributeValue>): LeaseItem => ({
  topic: item.topic!.S!,
  partition: num(item.partition)!,
  epoch: num(item.epoch) ?? 0,
  owner: item.owner?.S,
  expiresAt: num(item.expiresAt),
  committedOffset: num(item.committedOffset),
  offsetTopicId: item.offsetTopicId?.S,
  handoffTo: item.handoffTo?.S,
  handoffSince: num(item.handoffSince),
});

/** The lease's committed offset if it belongs to the topic as it is now (`topicId`), else none. */
export function committedOffsetOf(lease: LeaseItem | undefined, topicId: string | undefined): number | undefined {
  return lease && topicId !== undefined && lease.offsetTopicId === topicId ? lease.committedOffset : undefined;
}

/**
 * Every read and write of the groups table. Each write is one conditional single-item update, so two
 * members racing for a lease cannot both win, and a stale owner can neither renew nor commit.
 */
export class LeaseStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(group: string, item: string) {
    return { group: { S: group }, item: { S: item } };
  }

  private leaseKey(group: string, tp: TopicPartition) {
    return this.key(group, leaseItemKey(tp));
  }

  private update(
    group: string,
    tp: TopicPartition,
    expr: { update: string; condition?: string; values?: Record<string, AttributeValue>; names?: Record<string, string>; returnNew?: boolean },
  ) {
    return this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: this.leaseKey(group, tp),
        UpdateExpression: expr.update,
        ConditionExpression: expr.condition,
        ExpressionAttributeValues: expr.values,
        ExpressionAttributeNames: expr.names,
        ...(expr.returnNew ? { ReturnValues: 'ALL_NEW' as const } : {}),
      }),
    );
  }

  async read(group: string): Promise<GroupItems> {
    const out: GroupItems = { members: [], leases: [] };
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: '#g = :g',
        ExpressionAttributeNames: { '#g': 'group' },
        ExpressionAttributeValues: { ':g': { S: group } },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        // A group's partition also holds other items (a push subscription's definition): only these two are the group's.
        if (item.item!.S!.startsWith(MEMBER)) out.members.push(toMember(item));
        else if (item.item!.S!.startsWith(LEASE)) out.leases.push(toLease(item));
      }
    }
    return out;
  }

  async readLease(group: string, tp: TopicPartition): Promise<LeaseItem | undefined> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.leaseKey(group, tp), ConsistentRead: true }));
    return res.Item ? toLease(res.Item) : undefined;
  }

  /** Every item of every group, projected to what listing needs. */
  async scan(): Promise<Array<{ group: string; member?: MemberItem; lease?: LeaseItem }>> {
    const out: Array<{ group: string; member?: MemberItem; lease?: LeaseItem }> = [];
    for await (const page of paginateScan({ client: this.dynamo }, { TableName: this.table, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        const group = item.group!.S!;
        if (item.item!.S!.startsWith(MEMBER)) out.push({ group, member: toMember(item) });
        else if (item.item!.S!.startsWith(LEASE)) out.push({ group, lease: toLease(item) });
      }
    }
    return out;
  }

  async putMember(group: string, m: MemberItem): Promise<void> {
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          ...this.key(group, MEMBER + m.memberId),
          memberId: { S: m.memberId },
          ...(m.clientId === undefined ? {} : { clientId: { S: m.clientId } }),
          topics: { L: m.topics.map((t) => ({ S: t })) },
          sessionTimeoutMs: n(m.sessionTimeoutMs),
          expiresAt: n(m.expiresAt),
        },
      }),
    );
  }

  /** Extends a live member's session; false if it has expired (it is dead, and must join again). */
  async renewMember({ group, memberId, now, expiresAt, sessionTimeoutMs }: { group: string; memberId: string; now: number; expiresAt: number; sessionTimeoutMs?: number | undefined }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(group, MEMBER + memberId),
          // A new session, when the heartbeat names one, in the same write.
          UpdateExpression: sessionTimeoutMs === undefined ? 'SET expiresAt = :exp' : 'SET expiresAt = :exp, sessionTimeoutMs = :session',
          ConditionExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':exp': n(expiresAt), ':now': n(now), ...(sessionTimeoutMs === undefined ? {} : { ':session': n(sessionTimeoutMs) }) },
        }),
      ),
    );
  }

  /** Deletes a member; with `expiredBy`, only if it expired by then (another member cleaning up). */
  async deleteMember(group: string, memberId: string, expiredBy?: number): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.key(group, MEMBER + memberId),
          ConditionExpression: expiredBy === undefined ? 'attribute_exists(memberId)' : 'expiresAt <= :now',
          ExpressionAttributeValues: expiredBy === undefined ? undefined : { ':now': n(expiredBy) },
        }),
      ),
    );
  }

  /** Reads one member item (strongly consistent); undefined if it is not there. */
  async readMember(group: string, memberId: string): Promise<MemberItem | undefined> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.key(group, MEMBER + memberId), ConsistentRead: true }));
    return res.Item ? toMember(res.Item) : undefined;
  }

  /** Renews a lease with its own expiry that its owner still holds at `epoch`, setting or clearing the handoff mark. */
  async renewLease({
    group,
    lease,
    memberId,
    now,
    expiresAt,
    handoffTo,
  }: {
    group: string;
    lease: LeaseItem;
    memberId: string;
    now: number;
    expiresAt: number;
    handoffTo?: string | undefined;
  }): Promise<boolean> {
    const values: Record<string, AttributeValue> = { ':me': { S: memberId }, ':e': n(lease.epoch), ':now': n(now), ':exp': n(expiresAt) };
    if (handoffTo !== undefined) values[':to'] = { S: handoffTo };
    return conditional(
      this.update(group, lease, {
        update:
          handoffTo === undefined
            ? 'SET expiresAt = :exp REMOVE handoffTo, handoffSince'
            : 'SET expiresAt = :exp, handoffTo = :to, handoffSince = if_not_exists(handoffSince, :now)',
        condition: '#o = :me AND epoch = :e AND expiresAt > :now',
        names: { '#o': 'owner' },
        values,
      }),
    );
  }

  /**
   * Sets (`handoffTo`) or clears (undefined) the handoff mark of a lease its owner holds at `epoch`,
   * leaving its expiry alone. A member's lease needs no renewal, so this is the only lease write a
   * heartbeat makes, and only when the target assignment changed.
   */
  async markHandoff({
    group,
    lease,
    memberId,
    now,
    handoffTo,
  }: {
    group: string;
    lease: LeaseItem;
    memberId: string;
    now: number;
    handoffTo: string | undefined;
  }): Promise<boolean> {
    const values: Record<string, AttributeValue> = { ':me': { S: memberId }, ':e': n(lease.epoch) };
    if (handoffTo !== undefined) Object.assign(values, { ':to': { S: handoffTo }, ':now': n(now) });
    return conditional(
      this.update(group, lease, {
        update: handoffTo === undefined ? 'REMOVE handoffTo, handoffSince' : 'SET handoffTo = :to, handoffSince = if_not_exists(handoffSince, :now)',
        condition: '#o = :me AND epoch = :e',
        names: { '#o': 'owner' },
        values,
      }),
    );
  }

  /**
   * Takes a lease as it was last seen (`seenEpoch`), bumping its epoch: one that never existed, is
   * free, has its own expiry and expired, or has none, i.e. lives as long as its owner's member item,
   * which the caller has seen expired or gone in the same read of the group (the store cannot see it).
   * Racing takers: only one update matches the epoch it read. With `expiresAt` the lease gets its own
   * expiry; without, it is valid while the taker's member item is.
   *
   * Answers the lease as the take left it, or undefined if another took it first: its committed offset
   * is final, because the new epoch fences every later commit of the previous owner, whereas one read
   * before the take may be overtaken by the previous owner's last commit (its clock may say its lease
   * is still valid).
   */
  async acquire(group: string, tp: TopicPartition, take: LeaseTake): Promise<LeaseItem | undefined> {
    const { seenEpoch, memberId, now, expiresAt } = take;
    const fresh = seenEpoch === undefined;
    const values: Record<string, AttributeValue> = { ':me': { S: memberId }, ':e': n((seenEpoch ?? 0) + 1), ':t': { S: tp.topic }, ':p': n(tp.partition) };
    if (expiresAt !== undefined) values[':exp'] = n(expiresAt);
    if (!fresh) Object.assign(values, { ':seen': n(seenEpoch), ':now': n(now) });
    let taken: LeaseItem | undefined;
    const took = await conditional(
      this.update(group, tp, {
        update:
          expiresAt === undefined
            ? 'SET #o = :me, epoch = :e, topic = :t, #p = :p REMOVE handoffTo, handoffSince, expiresAt'
            : 'SET #o = :me, epoch = :e, expiresAt = :exp, topic = :t, #p = :p REMOVE handoffTo, handoffSince',
        // Its own lease too: a member that joins again must not inherit the epoch its old process used.
        condition: fresh
          ? 'attribute_not_exists(#i)'
          : 'epoch = :seen AND (attribute_not_exists(#o) OR attribute_not_exists(expiresAt) OR expiresAt <= :now OR #o = :me)',
        names: fresh ? { '#o': 'owner', '#p': 'partition', '#i': 'item' } : { '#o': 'owner', '#p': 'partition' },
        values,
        returnNew: true,
      }).then((res) => (taken = toLease(res.Attributes!))),
    );
    return took ? taken : undefined;
  }

  /**
   * Moves the committed offset forward, only for the owner at `epoch`, and, for a lease with its own
   * expiry, only if it has not expired by `now` (G2: once expired, another member may already be
   * processing from the committed offset). A member's lease has no expiry of its own: the coordinator
   * checks the member item first. False: fenced, expired, or not forward.
   */
  async commit({
    group,
    tp,
    memberId,
    epoch,
    offset,
    topicId,
    now,
  }: {
    group: string;
    tp: TopicPartition;
    memberId: string;
    epoch: number;
    offset: number;
    topicId: string;
    now: number;
  }): Promise<boolean> {
    return conditional(
      this.update(group, tp, {
        update: 'SET committedOffset = :o, offsetTopicId = :tid',
        // Forward only, within one incarnation of the topic; a re-created topic starts afresh.
        condition:
          '#o = :me AND epoch = :e AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND (attribute_not_exists(committedOffset) OR attribute_not_exists(offsetTopicId) OR offsetTopicId <> :tid OR committedOffset <= :o)',
        names: { '#o': 'owner' },
        values: { ':o': n(offset), ':me': { S: memberId }, ':e': n(epoch), ':tid': { S: topicId }, ':now': n(now) },
      }),
    );
  }

  /**
   * Gives up a lease held at `epoch`: to nobody, or straight to its next owner with a new epoch (and
   * `next.expiresAt` as its own expiry, or none: valid while the next owner's member item is).
   */
  async release({
    group,
    tp,
    memberId,
    epoch,
    next,
  }: {
    group: string;
    tp: TopicPartition;
    memberId: string;
    epoch: number;
    next?: { memberId: string; expiresAt?: number } | undefined;
  }): Promise<boolean> {
    const values: Record<string, AttributeValue> = { ':me': { S: memberId }, ':e': n(epoch) };
    if (next) Object.assign(values, { ':next': { S: next.memberId }, ':newEpoch': n(epoch + 1) });
    if (next?.expiresAt !== undefined) values[':exp'] = n(next.expiresAt);
    if (!next) values[':zero'] = n(0);
    const toNext =
      next?.expiresAt === undefined
        ? 'SET #o = :next, epoch = :newEpoch REMOVE handoffTo, handoffSince, expiresAt'
        : 'SET #o = :next, epoch = :newEpoch, expiresAt = :exp REMOVE handoffTo, handoffSince';
    return conditional(
      this.update(group, tp, {
        update: next ? toNext : 'SET expiresAt = :zero REMOVE #o, handoffTo, handoffSince',
        condition: '#o = :me AND epoch = :e',
        names: { '#o': 'owner' },
        values,
      }),
    );
  }

  /**
   * Sets the committed offset of a lease nobody holds; the only write that may move it backwards. A
   * lease with no expiry of its own is held while its owner's member item lives, which the caller has
   * seen it not do at `seenEpoch`: a member that took it since has bumped the epoch, and is not overwritten.
   */
  async resetOffset({
    group,
    tp,
    offset,
    now,
    topicId,
    seenEpoch,
  }: {
    group: string;
    tp: TopicPartition;
    offset: number;
    now: number;
    topicId: string;
    seenEpoch?: number | undefined;
  }): Promise<boolean> {
    const values: Record<string, AttributeValue> = { ':o': n(offset), ':tid': { S: topicId }, ':t': { S: tp.topic }, ':p': n(tp.partition), ':zero': n(0), ':now': n(now) };
    if (seenEpoch !== undefined) values[':seen'] = n(seenEpoch);
    return conditional(
      this.update(group, tp, {
        update: 'SET committedOffset = :o, offsetTopicId = :tid, topic = :t, #p = :p, epoch = if_not_exists(epoch, :zero), expiresAt = if_not_exists(expiresAt, :zero)',
        condition:
          seenEpoch === undefined
            ? 'attribute_not_exists(#o) OR expiresAt <= :now'
            : 'attribute_not_exists(#o) OR expiresAt <= :now OR (attribute_not_exists(expiresAt) AND epoch = :seen)',
        names: { '#o': 'owner', '#p': 'partition' },
        values,
      }),
    );
  }

  async deleteLease(group: string, tp: TopicPartition): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: this.leaseKey(group, tp) }));
  }
}
