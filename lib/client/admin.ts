import type { GroupDescription, GroupSummary, OffsetResetTarget, TopicPartitionOffset } from '../contract/groups.js';
import type { CreateSubscriptionRequest, SubscriptionDescription, SubscriptionInfo, UpdateSubscriptionRequest } from '../contract/subscriptions.js';
import type { TopicDescription } from '../contract/topics.js';
import type { RunnelApi } from './api.js';
import { alterConfigs, describeConfigs, type AlterConfigsResponse, type DescribeConfigResponse, type IResourceConfig, type ResourceConfigQuery } from './admin-configs.js';
import { isRunnelHttpError } from './errors.js';

export interface ITopicConfig {
  topic: string;
  numPartitions?: number;
  /** Kafka topic configs: retention.ms, retention.bytes, cleanup.policy, max.message.bytes, compression.type. */
  configEntries?: Array<{ name: string; value: string }>;
}

export interface PartitionMetadata {
  partitionId: number;
  partitionErrorCode: 0;
}

export interface TopicMetadata {
  name: string;
  partitions: PartitionMetadata[];
}

/** KafkaJS's shape; offsets are decimal strings. `offset` and `high` are the high watermark, `low` the log start. */
export interface PartitionOffsets {
  partition: number;
  offset: string;
  high: string;
  low: string;
}

/** Topic, offset and group administration, in KafkaJS's shapes where Kafka has the same concept. */
export class Admin {
  constructor(private readonly api: RunnelApi) {}

  /** Nothing to connect: requests are plain HTTPS. Kept for KafkaJS compatibility. */
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  /** Resolves true if every topic was created, false if any already existed (as KafkaJS does). */
  async createTopics(options: { topics: ITopicConfig[]; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number }): Promise<boolean> {
    // Creating when asked only to validate would be worse than refusing.
    if (options.validateOnly) throw new TypeError('createTopics: validateOnly is not supported by Runnel');
    let created = true;
    for (const t of options.topics) {
      const config = Object.fromEntries((t.configEntries ?? []).map((e) => [e.name, e.value]));
      try {
        await this.api.createTopic({ name: t.topic, partitions: t.numPartitions ?? 1, config });
      } catch (error) {
        if (!(isRunnelHttpError(error) && error.code === 'topic_exists')) throw error;
        created = false;
      }
    }
    return created;
  }

  /**
   * KafkaJS's createPartitions: raises each topic's partition count to `count` (only up). Keyed records
   * then map over the new count, as in Kafka. There are no brokers to place partitions on, so
   * `assignments` is refused, as is `validateOnly`.
   */
  async createPartitions(options: { topicPartitions: Array<{ topic: string; count: number; assignments?: number[][] }>; validateOnly?: boolean; timeout?: number }): Promise<boolean> {
    if (options.validateOnly) throw new TypeError('createPartitions: validateOnly is not supported by Runnel');
    if (options.topicPartitions.some((t) => t.assignments !== undefined)) throw new TypeError('createPartitions: Runnel has no brokers to assign partitions to; leave out assignments');
    for (const { topic, count } of options.topicPartitions) await this.api.createPartitions(topic, count);
    return true;
  }

  /** Deletes the topics; their data is purged in the background. */
  async deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    for (const topic of options.topics) await this.api.deleteTopic(topic);
  }

  async listTopics(): Promise<string[]> {
    return (await this.api.listTopics()).map((t) => t.name);
  }

  /** Without `topics`, every topic. */
  async fetchTopicMetadata(options: { topics?: string[] } = {}): Promise<{ topics: TopicMetadata[] }> {
    const views = options.topics
      ? await Promise.all(options.topics.map((name) => this.api.describeTopic(name)))
      : await this.api.listTopics();
    return {
      topics: views.map((v) => ({
        name: v.name,
        partitions: Array.from({ length: v.partitions }, (_, partitionId) => ({ partitionId, partitionErrorCode: 0 as const })),
      })),
    };
  }

  /** Runnel's own view of a topic: config, creation time, and each partition's log start and high watermark. */
  describeTopic(topic: string): Promise<TopicDescription> {
    return this.api.describeTopic(topic);
  }

  /** KafkaJS's describeConfigs: topic configs (`type: ConfigResourceTypes.TOPIC`), each with its value as a string and whether it is the default. */
  describeConfigs(options: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean }): Promise<DescribeConfigResponse> {
    return describeConfigs(this.api, options);
  }

  /** KafkaJS's alterConfigs, incremental: the configs named change (a `null` value: back to its default), the others are kept. */
  alterConfigs(options: { resources: IResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResponse> {
    return alterConfigs(this.api, options);
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const d = await this.api.describeTopic(topic);
    return d.partitionStates.map((p) => ({
      partition: p.partition,
      offset: String(p.highWatermark),
      high: String(p.highWatermark),
      low: String(p.logStartOffset),
    }));
  }

  /** Per partition, the first offset with a timestamp ≥ `timestamp` (the high watermark if none); without one, the high watermark. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<{ partition: number; offset: string }>> {
    const d = await this.api.describeTopic(topic);
    return Promise.all(
      d.partitionStates.map(async (p) => ({
        partition: p.partition,
        offset: String(timestamp === undefined ? p.highWatermark : await this.api.offsetFor(topic, p.partition, { timestamp })),
      })),
    );
  }

  async listGroups(): Promise<{ groups: Array<GroupSummary & { groupId: string; protocolType: 'consumer' }> }> {
    const groups = await this.api.listGroups();
    return { groups: groups.map((g) => ({ ...g, groupId: g.group, protocolType: 'consumer' as const })) };
  }

  /** Members, assignment, committed offsets and lag per partition. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.api.describeGroup(groupId);
  }

  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    return { groups: await Promise.all(groupIds.map((g) => this.api.describeGroup(g))) };
  }

  /** A group's committed offsets (the next offset to read; -1 where it never committed), per topic. */
  async fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>> {
    const d = await this.api.describeGroup(options.groupId);
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const p of d.partitions) {
      if (options.topics && !options.topics.includes(p.topic)) continue;
      if (!byTopic.has(p.topic)) byTopic.set(p.topic, []);
      byTopic.get(p.topic)!.push({ partition: p.partition, offset: String(p.committedOffset ?? -1) });
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /** KafkaJS's resetOffsets: to the earliest offsets with `earliest: true`, else to the latest. The group must have no live members. */
  resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<TopicPartitionOffset[]> {
    return this.api.resetGroupOffsets(options.groupId, { topic: options.topic, to: options.earliest ? 'earliest' : 'latest' });
  }

  /** KafkaJS's setOffsets: exact offsets per partition. The group must have no live members. */
  async setOffsets(options: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string | number }> }): Promise<TopicPartitionOffset[]> {
    const results = await Promise.all(
      options.partitions.map((p) =>
        this.api.resetGroupOffsets(options.groupId, { topic: options.topic, partitions: [p.partition], to: 'offset', offset: Number(p.offset) }),
      ),
    );
    return results.flat();
  }

  /** Resets to earliest, latest, the first offset at or after a timestamp, or an exact offset, for some or all partitions. */
  resetGroupOffsets(groupId: string, request: { topic: string; partitions?: number[] } & OffsetResetTarget): Promise<TopicPartitionOffset[]> {
    return this.api.resetGroupOffsets(groupId, request);
  }

  async deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: 0 }>> {
    for (const g of groupIds) await this.api.deleteGroup(g);
    return groupIds.map((groupId) => ({ groupId, errorCode: 0 as const }));
  }

  /**
   * Push subscriptions (docs/subscriptions.md): Runnel delivers a topic to a Lambda function or a
   * webhook. Not a KafkaJS concept; a subscription is the consumer group of the same name.
   */
  createSubscription(request: CreateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.api.createSubscription(request);
  }

  listSubscriptions(): Promise<SubscriptionInfo[]> {
    return this.api.listSubscriptions();
  }

  describeSubscription(name: string): Promise<SubscriptionDescription> {
    return this.api.describeSubscription(name);
  }

  updateSubscription(name: string, changes: UpdateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.api.updateSubscription(name, changes);
  }

  pauseSubscription(name: string): Promise<SubscriptionInfo> {
    return this.api.updateSubscription(name, { state: 'paused' });
  }

  resumeSubscription(name: string): Promise<SubscriptionInfo> {
    return this.api.updateSubscription(name, { state: 'active' });
  }

  deleteSubscription(name: string): Promise<void> {
    return this.api.deleteSubscription(name);
  }
}
