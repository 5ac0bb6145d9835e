import type { WireRecordOut } from './records.js';
import type { TopicPartition } from './topic-partition.js';

/** The query of `GET /v1/topics/{topic}/partitions/{partition}/records`; limits.ts has the defaults and bounds. */
export interface FetchQuery {
  offset: number;
  limit?: number;
  maxBytes?: number;
  waitMs?: number;
}

/** A fetch as the server's fetch service takes it. */
export interface FetchRequest extends TopicPartition, FetchQuery {}

export interface FetchResponse {
  /** The topic's incarnation: a consumer that sees it change knows its position belongs to a deleted topic. */
  topicId: string;
  records: WireRecordOut[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** The query of `GET /v1/topics/{topic}/partitions/{partition}/offsets`: the first offset at or after a time, or an end of the log. */
export type OffsetQuery = { timestamp: number } | { spec: 'earliest' | 'latest' };

/** An offset lookup as the server's fetch service takes it. */
export type OffsetRequest = TopicPartition & OffsetQuery;

export interface OffsetResponse {
  offset: number;
}
