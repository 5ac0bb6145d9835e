/** The topic configs Runnel keeps, with Kafka's names; the server fills in Kafka's defaults. */
export interface TopicConfig {
  'retention.ms': number;
  'retention.bytes': number;
  'cleanup.policy': 'delete' | 'compact' | 'compact,delete' | 'delete,compact';
  'max.message.bytes': number;
  'compression.type': 'none' | 'gzip';
  'message.timestamp.after.max.ms': number;
  /** Compaction (`cleanup.policy` compact), with Kafka's meanings; docs/compaction.md. */
  'delete.retention.ms': number;
  'min.compaction.lag.ms': number;
  'max.compaction.lag.ms': number;
  'min.cleanable.dirty.ratio': number;
}

/** Kafka's defaults, which a topic's configs take unless set. */
export const TOPIC_CONFIG_DEFAULTS: Readonly<TopicConfig> = Object.freeze({
  'retention.ms': 7 * 24 * 60 * 60 * 1000,
  'retention.bytes': -1,
  'cleanup.policy': 'delete',
  'max.message.bytes': 1024 * 1024,
  'compression.type': 'none',
  // Kafka 4.0's default. A record stamped far ahead would hold up retention by time (and offset lookups
  // by time) for everything after it, since both search the index by running maximum timestamp.
  'message.timestamp.after.max.ms': 60 * 60 * 1000,
  // Compaction (cleanup.policy compact), with Kafka's meanings and defaults; docs/compaction.md.
  'delete.retention.ms': 24 * 60 * 60 * 1000,
  'min.compaction.lag.ms': 0,
  // Kafka's default is Long.MAX_VALUE: never forced.
  'max.compaction.lag.ms': Number.MAX_SAFE_INTEGER,
  'min.cleanable.dirty.ratio': 0.5,
});

/** Configs as a request may give them: any subset, and numbers also as strings, as Kafka writes them. */
export type TopicConfigInput = { [K in keyof TopicConfig]?: TopicConfig[K] extends number ? number | string : TopicConfig[K] };

/** `POST /v1/topics`. `partitions` defaults to 1; configs left out take their defaults. */
export interface CreateTopicRequest {
  name: string;
  partitions?: number;
  config?: TopicConfigInput;
}

/**
 * `PATCH /v1/topics/{topic}/config`, a JSON merge patch of the topic's config: each config named is set,
 * one given as `null` goes back to its default, and the others keep their values.
 */
export type AlterTopicConfigRequest = { [K in keyof TopicConfigInput]?: TopicConfigInput[K] | null };

/** `POST /v1/topics/{topic}/partitions`: the new number of partitions, which must be more than now (as Kafka's CreatePartitions). */
export interface CreatePartitionsRequest {
  count: number;
}

/** A new topic as the server's topic admin takes it, once its configs are numbers (any `CreateTopicRequest` without strings is one). */
export interface NewTopic {
  name: string;
  partitions?: number;
  config?: Partial<TopicConfig>;
}

export interface TopicView {
  name: string;
  partitions: number;
  config: TopicConfig;
  /** ISO 8601. */
  createdAt: string;
}

export interface TopicList {
  topics: TopicView[];
}

export interface PartitionState {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  /**
   * Retained size: the bytes of the segments that now hold the partition's records from the log start
   * to the high watermark (after a compaction or merge, the rewritten segments).
   */
  bytes: number;
}

export interface TopicDescription extends TopicView {
  /** This incarnation of the topic: a deleted and re-created topic has a new one. */
  topicId: string;
  partitionStates: PartitionState[];
  /** The partitions' retained bytes added up. */
  bytes: number;
}
