import type { FetchRequest, FetchResponse, OffsetRequest, OffsetResponse } from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT } from '../contract/limits.js';
import type { WireRecordOut } from '../contract/records.js';
import { badRequest } from '../errors.js';
import type { PartitionLog, PartitionRef, ReadRecord } from '../log/partition-log.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { answerBytes, MAX_RECORDS_LAMBDA_BYTES, toWireRecord } from '../api/wire-record.js';

/**
 * The longest prefix of `records` whose JSON stays within `maxBytes` as sent, and within a Lambda
 * response once API Gateway's Lambda result wraps it; always at least one record, as Kafka does, so a
 * large record cannot stall a consumer (produce refuses a record that could not fit on its own).
 */
function fitAnswer(read: ReadRecord[], partition: number, maxBytes: number): WireRecordOut[] {
  const records: WireRecordOut[] = [];
  let body = 0;
  let lambda = 0;
  for (const r of read) {
    const record = toWireRecord(r, partition);
    const size = answerBytes(JSON.stringify(record));
    // +1 for the comma between records.
    body += size.body + 1;
    lambda += size.lambda + 1;
    if (records.length > 0 && (body > maxBytes || lambda > MAX_RECORDS_LAMBDA_BYTES)) break;
    records.push(record);
  }
  return records;
}

export class FetchService {
  constructor(
    private readonly topics: TopicStore,
    private readonly log: PartitionLog,
  ) {}

  private partition(topic: Topic, partition: number): PartitionRef {
    if (!(Number.isInteger(partition) && partition >= 0 && partition < topic.partitions)) {
      throw badRequest('invalid_partition', `partition: ${partition} is not a partition of "${topic.name}" (0..${topic.partitions - 1})`, {
        field: 'partition',
      });
    }
    return { topicId: topic.topicId, partition };
  }

  /** Records from `offset` on; `limit`, `maxBytes` and `waitMs` default as lib/contract/limits.ts says. */
  async fetch(request: FetchRequest, signal?: AbortSignal): Promise<FetchResponse> {
    const { offset, limit = DEFAULT_FETCH_LIMIT, maxBytes = DEFAULT_FETCH_BYTES, waitMs = 0 } = request;
    return this.topics.withTopic(request.topic, async (topic) => {
      const ref = this.partition(topic, request.partition);
      // The log counts key and value bytes, never more than a record's JSON: it reads at least as much as fits.
      const result = await this.log.read(ref, offset, { limit, maxBytes, waitMs, signal });
      const records = fitAnswer(result.records, ref.partition, maxBytes);
      return {
        topicId: topic.topicId,
        records,
        nextOffset: records.length ? records[records.length - 1]!.offset + 1 : result.nextOffset,
        highWatermark: result.highWatermark,
        logStartOffset: result.logStartOffset,
      };
    }, request.partition);
  }

  /** The first offset whose timestamp is at or after `timestamp` (else the high watermark), or an end of the log. */
  async offset(request: OffsetRequest): Promise<OffsetResponse> {
    return this.topics.withTopic(request.topic, async (topic) => {
      const ref = this.partition(topic, request.partition);
      if ('timestamp' in request) return { offset: await this.log.offsetForTimestamp(ref, request.timestamp) };
      const head = await this.log.head(ref);
      return { offset: request.spec === 'earliest' ? head.logStartOffset : head.nextOffset };
    }, request.partition);
  }
}
