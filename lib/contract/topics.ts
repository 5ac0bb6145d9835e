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

/** Configs as a request may give them: any subset, and numbers also as strings, as Kafka writes them. */
export type TopicConfigInput = { [K in keyof TopicConfig]?: TopicConfig[K] extends number ? number | string : TopicConfig[K] };

/** `POST /v1/topics`. `partitions` defaults to 1; configs left out take their defaults. */
export interface CreateTopicRequest {
  name: string;
  partitions?: number;
  config?: TopicConfigInput;
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
}

export interface TopicDescription extends TopicView {
  /** This incarnation of the topic: a deleted and re-created topic has a new one. */
  topicId: string;
  partitionStates: PartitionState[];
}
