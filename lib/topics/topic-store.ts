import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  paginateScan,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import type { PartitionState } from '../contract/topics.js';
import { RunnelError, badRequest, conflict, notFound } from '../errors.js';
import type { HeadStore } from '../log/head-store.js';
import { partitionKey } from '../log/partition-log.js';
import { retainedBytes } from '../log/partition-size.js';
import { conditional } from '../storage/conditional.js';
import { applyConfigChange, topicConfigSchema, type TopicConfig, type TopicConfigChange } from './topic-config.js';

export interface Topic {
  name: string;
  /** Storage is keyed by this id, so a deleted and re-created topic starts empty. */
  topicId: string;
  partitions: number;
  config: TopicConfig;
  createdAt: number;
}

export type { PartitionState } from '../contract/topics.js';

/** Items in the topics table that are not topics start with this; a topic name cannot. */
const PURGE_PREFIX = '#purge#';
const CACHE_TTL_MS = 1000;
/**
 * A hit on an entry at least this old reloads it in the background, so that under steady traffic the
 * entry is renewed before it expires and no request waits for the read (a third round trip before a
 * produce's two). Entries are still never served older than CACHE_TTL_MS.
 */
const REFRESH_AHEAD_MS = 750;
/**
 * A background renewal sent this long ago no longer holds off the next one: the SDK clients set no
 * request timeout, so a read that never answers would otherwise stop renewal of its topic for good.
 * (A late answer still never overwrites an entry cached by a read sent after it: `load`.)
 */
const RENEWAL_STALL_MS = 1000;
/** Read-modify-write rounds before a change that keeps losing to others gives up (409). */
const UPDATE_ATTEMPTS = 8;

const toTopic = (item: Record<string, AttributeValue>): Topic => ({
  name: item.name!.S!,
  topicId: item.topicId!.S!,
  partitions: Number(item.partitions!.N),
  config: topicConfigSchema.parse(JSON.parse(item.config!.S!)),
  createdAt: Number(item.createdAt!.N),
});

/**
 * How many partitions may have heads: more than `partitions` while an increase is under way (or
 * crashed part-way), so that a delete fences and purges those heads too.
 */
const headExtent = (item: Record<string, AttributeValue>): number => Math.max(Number(item.partitions!.N), Number(item.headExtent?.N ?? 0));

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/**
 * Topic metadata. A topic becomes visible only after all its partition heads exist, and a delete
 * hides it at once while its data is purged afterwards by `purgeDeleted`.
 */
export class TopicStore {
  private readonly cache = new Map<string, { topic: Topic; at: number }>();
  private readonly loading = new Map<string, Promise<Topic | undefined>>();
  /** Background reloads under way, by when each was sent. Kept apart from `loading`: no request waits on one (on Lambda it may be frozen mid-flight). */
  private readonly refreshing = new Map<string, number>();
  /** Changes this process made to each topic, counted: a read under way meanwhile must not overwrite them. */
  private readonly changes = new Map<string, number>();

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly heads: HeadStore,
  ) {}

  async create(name: string, partitions: number, config: TopicConfig): Promise<Topic> {
    if (await this.find(name)) throw conflict('topic_exists', `topic "${name}" already exists`);
    const topic: Topic = { name, topicId: randomBytes(8).toString('hex'), partitions, config, createdAt: Date.now() };
    const refs = Array.from({ length: partitions }, (_, partition) => ({ topicId: topic.topicId, partition }));
    await inBatches(refs, 25, (ref) => this.heads.create(partitionKey(ref)));
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            name: { S: name },
            topicId: { S: topic.topicId },
            partitions: { N: String(partitions) },
            config: { S: JSON.stringify(config) },
            createdAt: { N: String(topic.createdAt) },
          },
          ConditionExpression: 'attribute_not_exists(#n)',
          ExpressionAttributeNames: { '#n': 'name' },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      await inBatches(refs, 25, async (ref) => void (await this.heads.purge(partitionKey(ref))));
      throw conflict('topic_exists', `topic "${name}" already exists`);
    }
    this.remember(name, topic);
    return topic;
  }

  async find(name: string, fresh = false): Promise<Topic | undefined> {
    const hit = this.cache.get(name);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (!fresh && hit && age < CACHE_TTL_MS) {
      const renewing = this.refreshing.get(name);
      if (age >= REFRESH_AHEAD_MS && (renewing === undefined || Date.now() - renewing >= RENEWAL_STALL_MS)) {
        const sentAt = Date.now();
        this.refreshing.set(name, sentAt);
        void this.load(name)
          .catch(() => undefined)
          .finally(() => this.refreshing.get(name) === sentAt && this.refreshing.delete(name));
      }
      return hit.topic;
    }
    // Concurrent requests whose cache entry expired together share one read.
    const pending = this.loading.get(name);
    if (pending && !fresh) return pending;
    const load = this.load(name).finally(() => this.loading.delete(name));
    this.loading.set(name, load);
    return load;
  }

  private async load(name: string): Promise<Topic | undefined> {
    const changesBefore = this.changes.get(name);
    // An entry's age counts from when its read was sent, not when it answered: a background renewal
    // can answer long after (retried, or its Lambda frozen between invocations), and what it saw must
    // not then pass for a fresh read.
    const sentAt = Date.now();
    const res = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: { name: { S: name } }, ConsistentRead: true }),
    );
    const topic = res.Item ? toTopic(res.Item) : undefined;
    // A change this process made while the read was under way is newer than what the read saw, and so
    // is an entry cached by a read sent after this one.
    if (this.changes.get(name) !== changesBefore || (this.cache.get(name)?.at ?? -Infinity) > sentAt) return topic;
    if (topic) this.cache.set(name, { topic, at: sentAt });
    else this.cache.delete(name);
    return topic;
  }

  /** Caches what this process itself just made of a topic (undefined: deleted it). */
  private remember(name: string, topic: Topic | undefined): void {
    this.changes.set(name, (this.changes.get(name) ?? 0) + 1);
    if (topic) this.cache.set(name, { topic, at: Date.now() });
    else this.cache.delete(name);
  }

  async get(name: string): Promise<Topic> {
    const topic = await this.find(name);
    if (!topic) throw notFound('unknown_topic', `topic "${name}" does not exist`);
    return topic;
  }

  async list(): Promise<Topic[]> {
    const topics: Topic[] = [];
    for await (const page of paginateScan({ client: this.dynamo }, { TableName: this.table, ConsistentRead: true })) {
      for (const item of page.Items ?? []) if (!item.name!.S!.startsWith(PURGE_PREFIX)) topics.push(toTopic(item));
    }
    return topics.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Each partition's bounds and retained bytes, read strongly consistent: the heads in BatchGetItem
   * requests of 100, then per partition whose log reaches below its tail one Query of its chunks
   * (partition-size.ts), up to 16 at a time.
   */
  async partitionStates(topic: Topic): Promise<PartitionState[]> {
    const pks = Array.from({ length: topic.partitions }, (_, partition) => partitionKey({ topicId: topic.topicId, partition }));
    const extents = await this.heads.readExtents(pks);
    const states: PartitionState[] = [];
    await inBatches(
      pks.map((pk, partition) => ({ pk, partition })),
      16,
      async ({ pk, partition }) => {
        const head = extents.get(pk);
        if (head) states.push({ partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset, bytes: await retainedBytes(this.heads, pk, head) });
      },
    );
    return states.sort((a, b) => a.partition - b.partition);
  }

  /**
   * Sets the configs `change` names and keeps the rest: one conditional write, on the config as it was
   * read, so two changes at once both apply (the loser reads again) and neither undoes the other.
   * Every instance sees it within its cache's second; the maintenance job reads the topics afresh.
   */
  async alterConfig(name: string, change: TopicConfigChange): Promise<Topic> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: { name: { S: name } }, ConsistentRead: true }));
      if (!res.Item) throw notFound('unknown_topic', `topic "${name}" does not exist`);
      const topic = toTopic(res.Item);
      const config = topicConfigSchema.parse(applyConfigChange(topic.config, change));
      const applied = await conditional(
        this.dynamo.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { name: { S: name } },
            UpdateExpression: 'SET config = :new',
            ConditionExpression: 'topicId = :id AND config = :old',
            ExpressionAttributeValues: { ':id': { S: topic.topicId }, ':old': res.Item.config!, ':new': { S: JSON.stringify(config) } },
          }),
        ),
      );
      if (applied) {
        const altered = { ...topic, config };
        this.remember(name, altered);
        return altered;
      }
    }
    throw conflict('concurrent_update', `topic "${name}" kept changing under this request; retry it`);
  }

  private async readItem(name: string): Promise<Record<string, AttributeValue> | undefined> {
    return (await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: { name: { S: name } }, ConsistentRead: true }))).Item;
  }

  /**
   * Raises the topic's partition count to `count` (Kafka's CreatePartitions: only up). Three writes to
   * the topic item and one per new head, each conditional on the count as read: first the item records
   * how far heads may exist (so a delete meanwhile fences and purges them), then the new heads are
   * created, then the count is raised. Until that last write nobody knows of the new partitions, so
   * producers keep writing to the old ones; after it, each instance sees the new count within its
   * cache's second, and keyed records map over the new count.
   */
  async addPartitions(name: string, count: number): Promise<Topic> {
    let created: string[] = [];
    let createdFor: string | undefined;
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const item = await this.readItem(name);
      const topic = item && toTopic(item);
      if (!item || !topic || (createdFor !== undefined && topic.topicId !== createdFor)) {
        // Deleted while heads were being added: those the purge may have missed go now.
        await inBatches(created, 25, async (pk) => void (await this.heads.purge(pk)));
        throw notFound('unknown_topic', `topic "${name}" does not exist`);
      }
      if (count <= topic.partitions) {
        throw badRequest('invalid_partitions', `count: "${name}" has ${topic.partitions} partitions; partitions can only be added, so count must be more than that`, {
          field: 'count',
        });
      }
      // PARTITIONS is a reserved word in DynamoDB expressions.
      const condition = { ConditionExpression: 'topicId = :id AND #partitions = :old', id: topic.topicId, old: topic.partitions };
      const update = (expression: string, values: Record<string, AttributeValue>) =>
        conditional(
          this.dynamo.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: { name: { S: name } },
              UpdateExpression: expression,
              ConditionExpression: condition.ConditionExpression,
              ExpressionAttributeNames: { '#partitions': 'partitions' },
              ExpressionAttributeValues: { ':id': { S: condition.id }, ':old': { N: String(condition.old) }, ...values },
            }),
          ),
        );
      if (!(await update('SET headExtent = :extent', { ':extent': { N: String(Math.max(count, headExtent(item))) } }))) continue;
      const pks = Array.from({ length: count - topic.partitions }, (_, i) => partitionKey({ topicId: topic.topicId, partition: topic.partitions + i }));
      // A head left by an earlier, interrupted increase is already there, empty: nothing could write to it.
      await inBatches(pks, 25, async (pk) => void (await conditional(this.heads.create(pk))));
      created = [...new Set([...created, ...pks])];
      createdFor = topic.topicId;
      if (await update('SET #partitions = :count', { ':count': { N: String(count) } })) {
        // Push subscriptions mark each head of their topic (a commit there wakes them): the new heads
        // get the marks the first partition carries, so their records are delivered too.
        const first = await this.heads.read(partitionKey({ topicId: topic.topicId, partition: 0 }));
        for (const subscription of first?.subscribers ?? []) {
          await inBatches(pks, 25, async (pk) => void (await this.heads.markSubscriber({ pk, subscription, subscribed: true, now: Date.now() })));
        }
        const grown = { ...topic, partitions: count };
        this.remember(name, grown);
        return grown;
      }
    }
    throw conflict('concurrent_update', `topic "${name}" kept changing under this request; retry it`);
  }

  /** Hides the topic at once; its data stays until `purgeDeleted` removes it. */
  async delete(name: string): Promise<Topic> {
    let topicId: string | undefined;
    try {
      for (;;) {
        const item = await this.readItem(name);
        const topic = item && toTopic(item);
        if (!item || !topic || (topicId !== undefined && topic.topicId !== topicId)) throw notFound('unknown_topic', `topic "${name}" does not exist`);
        topicId = topic.topicId;
        const extent = headExtent(item);
        // The purge marker goes first so that a crash after it never leaks the topic's data.
        await this.dynamo.send(
          new PutItemCommand({
            TableName: this.table,
            Item: { name: { S: PURGE_PREFIX + topic.topicId }, topicId: { S: topic.topicId }, topicName: { S: name }, partitions: { N: String(extent) } },
          }),
        );
        // Then every head is fenced, before the topic item goes: an instance that still has the topic
        // cached must not be able to acknowledge records that the purge will remove. A crash here leaves
        // the topic listed but unwritable until the delete is retried; the purge skips it meanwhile.
        const refs = Array.from({ length: extent }, (_, partition) => ({ topicId: topic.topicId, partition }));
        await inBatches(refs, 25, (ref) => this.heads.markDeleted(partitionKey(ref)));
        // Only if no partitions were added meanwhile: else their heads are fenced and purged in another round.
        const deleted = await conditional(
          this.dynamo.send(
            new DeleteItemCommand({
              TableName: this.table,
              Key: { name: { S: name } },
              ConditionExpression: 'topicId = :id AND #partitions <= :extent AND (attribute_not_exists(headExtent) OR headExtent <= :extent)',
              ExpressionAttributeNames: { '#partitions': 'partitions' },
              ExpressionAttributeValues: { ':id': { S: topic.topicId }, ':extent': { N: String(extent) } },
            }),
          ),
        );
        if (deleted) return topic;
      }
    } finally {
      this.remember(name, undefined);
    }
  }

  /**
   * Runs `use` on the named topic. Topic metadata is cached briefly, so when the cached topic's
   * partitions turn out to be gone (deleted, perhaps re-created), it re-reads the topic and tries once
   * more; and when `partition` is past the cached count, it reads the count afresh first.
   */
  async withTopic<T>(name: string, use: (topic: Topic) => Promise<T>, partition?: number): Promise<T> {
    let topic = await this.get(name);
    // A partition past the cached count may have been added since: read the count afresh.
    if (partition !== undefined && partition >= topic.partitions) topic = (await this.find(name, true)) ?? topic;
    try {
      return await use(topic);
    } catch (e) {
      if (!(e instanceof RunnelError && e.code === 'unknown_partition')) throw e;
      const fresh = await this.find(name, true);
      if (!fresh || fresh.topicId === topic.topicId) throw notFound('unknown_topic', `topic "${name}" does not exist`);
      return use(fresh);
    }
  }

  /** Topics whose data awaits purging: deleted, and not (or no longer) referenced by a live topic. */
  async pendingPurges(): Promise<Array<{ topicId: string; partitions: number }>> {
    const pending: Array<{ topicId: string; partitions: number }> = [];
    const pages = paginateScan(
      { client: this.dynamo },
      {
        TableName: this.table,
        FilterExpression: 'begins_with(#n, :prefix)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':prefix': { S: PURGE_PREFIX } },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const live = await this.find(item.topicName!.S!, true);
        if (live?.topicId === item.topicId!.S) continue;
        pending.push({ topicId: item.topicId!.S!, partitions: Number(item.partitions!.N) });
      }
    }
    return pending;
  }

  async purgeDone(topicId: string): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: { name: { S: PURGE_PREFIX + topicId } } }));
  }
}
