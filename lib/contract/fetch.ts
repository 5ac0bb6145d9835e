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

/** One partition of a multi-partition fetch and where to read it from. */
export interface PartitionPosition {
  partition: number;
  offset: number;
}

/**
 * `POST /v1/topics/{topic}/fetch`: many partitions of one topic in one request, as Kafka's Fetch. The
 * answer comes as soon as any partition has records, or after `waitMs`. `limit` and `maxBytes` bound
 * the whole answer (at least one record is always returned); partitions are filled in the order
 * given, so a consumer rotates the order between requests to share the answer fairly.
 */
export interface MultiFetchRequest {
  /** At least one, each at most once (so at most MAX_PARTITIONS). */
  partitions: PartitionPosition[];
  limit?: number;
  maxBytes?: number;
  waitMs?: number;
}

/** A multi-partition fetch as the server's fetch service takes it. */
export interface MultiFetchServiceRequest extends MultiFetchRequest {
  topic: string;
}

/** A partition whose offset lies outside its log: the 416 of a single-partition fetch, for this partition alone. */
export interface PartitionFetchError {
  code: 'offset_out_of_range';
  message: string;
}

export interface PartitionFetchResult {
  partition: number;
  /** Empty when the answer was full before this partition's turn, or on an error. */
  records: WireRecordOut[];
  /** Where to read next: after the last record returned, or the offset asked for if none was. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  error?: PartitionFetchError;
}

export interface MultiFetchResponse {
  /** The topic's incarnation, as in a single-partition fetch. */
  topicId: string;
  /** One per partition asked for, in the order asked. */
  partitions: PartitionFetchResult[];
}
