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
import type { TopicPartition } from '../contract/topic-partition.js';
import { LEASE_ITEM_PREFIX, leaseItemKey, toLease } from '../groups/lease-store.js';
import { conditional } from '../storage/conditional.js';
import { settingsOf, type DeliveryFailure, type PartitionDelivery, type Subscription, type SubscriptionSettings } from './subscription.js';

/** The sort key of a subscription's definition, in the partition of the group it is. Not a member or lease key. */
const SUBSCRIPTION_ITEM = 'subscription';

const n = (v: number): AttributeValue => ({ N: String(v) });
const num = (v: AttributeValue | undefined) => (v?.N === undefined ? undefined : Number(v.N));

function toItem(s: Subscription): Record<string, AttributeValue> {
  return {
    group: { S: s.name },
    item: { S: SUBSCRIPTION_ITEM },
    topic: { S: s.topic },
    topicId: { S: s.topicId },
    // One JSON attribute for the settings: they are read and written whole, never queried.
    settings: { S: JSON.stringify(settingsOf(s)) },
    state: { S: s.state },
    createdAt: n(s.createdAt),
    version: n(s.version),
  };
}

function toSubscription(item: Record<string, AttributeValue>): Subscription {
  const settings = JSON.parse(item.settings!.S!) as SubscriptionSettings;
  return {
    name: item.group!.S!,
    topic: item.topic!.S!,
    topicId: item.topicId!.S!,
    ...settings,
    state: item.state!.S as Subscription['state'],
    createdAt: num(item.createdAt)!,
    version: num(item.version)!,
  };
}

function toDelivery(item: Record<string, AttributeValue>): PartitionDelivery {
  const lease = toLease(item);
  // Attempts belong to the record they were made on: once the offset moved another way (a group
  // offset reset), they say nothing about the record there now.
  const current = num(item.failedOffset) === lease.committedOffset;
  return {
    ...lease,
    attempts: current ? (num(item.attempts) ?? 0) : 0,
    lastError: item.lastError?.S ? (JSON.parse(item.lastError.S) as DeliveryFailure) : undefined,
    nextAttemptAt: current ? num(item.nextAttemptAt) : undefined,
    deadLettered: num(item.deadLettered) ?? 0,
    expiredUndelivered: num(item.expiredUndelivered) ?? 0,
  };
}

/** Who holds a partition's lease, at which epoch: the fence on every delivery write. */
export interface LeaseHold {
  owner: string;
  epoch: number;
}

/**
 * Every read and write of subscriptions in the groups table: the definition item beside the group's
 * items, and the delivery state kept on the group's lease items. One conditional single-item write each.
 * Delivery writes carry the same fence as a group commit (owner, epoch, unexpired), so a dispatcher
 * that lost its lease can change nothing (S3).
 */
export class SubscriptionStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(group: string, item: string) {
    return { group: { S: group }, item: { S: item } };
  }

  /** False if a subscription of that name exists. */
  async create(s: Subscription): Promise<boolean> {
    return conditional(this.dynamo.send(new PutItemCommand({ TableName: this.table, Item: toItem(s), ConditionExpression: 'attribute_not_exists(#i)', ExpressionAttributeNames: { '#i': 'item' } })));
  }

  async get(name: string): Promise<Subscription | undefined> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.key(name, SUBSCRIPTION_ITEM), ConsistentRead: true }));
    return res.Item ? toSubscription(res.Item) : undefined;
  }

  /** Whether the group has any item: a member or a lease of a pull group, or a subscription. */
  async groupExists(name: string): Promise<boolean> {
    for await (const page of paginateQuery(
      { client: this.dynamo, pageSize: 1 },
      { TableName: this.table, KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: name } }, ConsistentRead: true, Limit: 1 },
    )) {
      return (page.Items ?? []).length > 0;
    }
    return false;
  }

  async list(): Promise<Subscription[]> {
    const out: Subscription[] = [];
    for await (const page of paginateScan(
      { client: this.dynamo },
      { TableName: this.table, FilterExpression: '#i = :s', ExpressionAttributeNames: { '#i': 'item' }, ExpressionAttributeValues: { ':s': { S: SUBSCRIPTION_ITEM } }, ConsistentRead: true },
    )) {
      for (const item of page.Items ?? []) out.push(toSubscription(item));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Writes a changed subscription if it is still at `readVersion`; its version becomes readVersion + 1. */
  async replace(s: Subscription, readVersion: number): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toItem({ ...s, version: readVersion + 1 }),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': n(readVersion) },
        }),
      ),
    );
  }

  async delete(name: string): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(name, SUBSCRIPTION_ITEM) }));
  }

  /** Every partition's delivery state (the group's lease items). */
  async deliveries(name: string): Promise<PartitionDelivery[]> {
    const out: PartitionDelivery[] = [];
    for await (const page of paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: '#g = :g AND begins_with(#i, :lease)',
        ExpressionAttributeNames: { '#g': 'group', '#i': 'item' },
        ExpressionAttributeValues: { ':g': { S: name }, ':lease': { S: LEASE_ITEM_PREFIX } },
        ConsistentRead: true,
      },
    )) {
      for (const item of page.Items ?? []) out.push(toDelivery(item));
    }
    return out;
  }

  async delivery(name: string, tp: TopicPartition): Promise<PartitionDelivery | undefined> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.key(name, leaseItemKey(tp)), ConsistentRead: true }));
    return res.Item ? toDelivery(res.Item) : undefined;
  }

  private fenced({ name, tp, hold, now, update, values, extraCondition = '' }: { name: string; tp: TopicPartition; hold: LeaseHold; now: number; update: string; values: Record<string, AttributeValue>; extraCondition?: string }) {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(name, leaseItemKey(tp)),
          UpdateExpression: update,
          ConditionExpression: `#o = :me AND epoch = :e AND expiresAt > :now${extraCondition}`,
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':me': { S: hold.owner }, ':e': n(hold.epoch), ':now': n(now), ...values },
        }),
      ),
    );
  }

  /**
   * Moves the committed offset forward past acknowledged (or dead-lettered, or expired) records and
   * clears the retry state, which belonged to the record at the old offset. Counts dead-lettered and
   * expired records in the same write. False: fenced, expired, or not forward.
   */
  async commit(
    {
    name,
    tp,
    hold,
    at,
  }: { name: string; tp: TopicPartition; hold: LeaseHold; at: { offset: number; topicId: string; now: number; deadLettered?: number; expired?: number; error?: DeliveryFailure } },
  ): Promise<boolean> {
    const counts = [at.deadLettered ? 'deadLettered :dl' : '', at.expired ? 'expiredUndelivered :ex' : ''].filter(Boolean);
    const values: Record<string, AttributeValue> = { ':o': n(at.offset), ':tid': { S: at.topicId } };
    if (at.deadLettered) values[':dl'] = n(at.deadLettered);
    if (at.expired) values[':ex'] = n(at.expired);
    if (at.error) values[':err'] = { S: JSON.stringify(at.error) };
    const set = `SET committedOffset = :o, offsetTopicId = :tid${at.error ? ', lastError = :err' : ''}`;
    const update = `${set} REMOVE attempts, failedOffset, nextAttemptAt${counts.length ? ` ADD ${counts.join(', ')}` : ''}`;
    return this.fenced(
      { name,
      tp,
      hold,
      now: at.now,
      update,
      values,
      extraCondition: ' AND (attribute_not_exists(committedOffset) OR attribute_not_exists(offsetTopicId) OR offsetTopicId <> :tid OR committedOffset <= :o)' },
    );
  }

  /** Records a failed attempt on the record at `offset` (the committed offset), and when the next is due. */
  async recordFailure(
    {
    name,
    tp,
    hold,
    at,
  }: { name: string; tp: TopicPartition; hold: LeaseHold; at: { now: number; offset: number; attempts: number; error: DeliveryFailure; nextAttemptAt: number } },
  ): Promise<boolean> {
    return this.fenced({ name, tp, hold, now: at.now, update: 'SET attempts = :a, failedOffset = :f, lastError = :err, nextAttemptAt = :next', values: {
      ':a': n(at.attempts),
      ':f': n(at.offset),
      ':err': { S: JSON.stringify(at.error) },
      ':next': n(at.nextAttemptAt),
    } });
  }
}
