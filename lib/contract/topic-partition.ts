/** One partition of one topic: what crosses a boundary, rather than a string key. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** By topic name, then by partition number: `orders#2` before `orders#10`. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/**
 * `<topic>#<partition>`, a map key for a topic partition (topic names cannot hold `#`). Sort the
 * partitions, never these keys: as strings, `orders#10` comes before `orders#2`.
 */
export const topicPartitionKey = (tp: TopicPartition): string => `${tp.topic}#${tp.partition}`;

/** The inverse of `topicPartitionKey`. */
export function parseTopicPartitionKey(key: string): TopicPartition {
  const i = key.lastIndexOf('#');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
