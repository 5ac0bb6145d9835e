import * as z from 'zod';
import { badRequest } from '../errors.js';
import type { PartitionLog, PartitionRef, ReadRecord } from '../log/partition-log.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { parseOrThrow } from '../api/validation.js';
import { answerBytes, MAX_RECORDS_LAMBDA_BYTES, toWireRecord, type WireRecordOut } from '../api/wire-record.js';

/** Query strings carry text; these accept only plain non-negative decimal integers. */
const queryInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .pipe(z.number().max(max, `${name} must be at most ${max}`));

export const MAX_WAIT_MS = 20_000;
export const MAX_FETCH_BYTES = 4 * 1024 * 1024;

const fetchQuerySchema = z.object({
  offset: queryInt('offset', Number.MAX_SAFE_INTEGER),
  limit: queryInt('limit', 10_000).pipe(z.number().min(1, 'limit must be at least 1')).default(500),
  maxBytes: queryInt('maxBytes', MAX_FETCH_BYTES).pipe(z.number().min(1, 'maxBytes must be at least 1')).default(1024 * 1024),
  waitMs: queryInt('waitMs', MAX_WAIT_MS).default(0),
});

const offsetsQuerySchema = z.union([
  z.object({ timestamp: queryInt('timestamp', 8.64e15) }).strict(),
  z.object({ spec: z.enum(['earliest', 'latest'], 'spec must be "earliest" or "latest"') }).strict(),
], 'give exactly one of timestamp=<ms> or spec=earliest|latest');

export interface FetchResponse {
  /** The topic's incarnation: a consumer that sees it change knows its position belongs to a deleted topic. */
  topicId: string;
  records: WireRecordOut[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

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

  private partition(topic: Topic, partitionParam: string): PartitionRef {
    const topicName = topic.name;
    const partition = /^\d+$/.test(partitionParam) ? Number(partitionParam) : NaN;
    if (!(partition < topic.partitions)) {
      throw badRequest('invalid_partition', `partition: "${partitionParam}" is not a partition of "${topicName}" (0..${topic.partitions - 1})`, {
        field: 'partition',
      });
    }
    return { topicId: topic.topicId, partition };
  }

  async fetch(topicName: string, partitionParam: string, query: Record<string, string>, signal?: AbortSignal): Promise<FetchResponse> {
    const q = parseOrThrow(fetchQuerySchema, query);
    return this.topics.withTopic(topicName, async (topic) => {
      const ref = this.partition(topic, partitionParam);
      // The log counts key and value bytes, never more than a record's JSON: it reads at least as much as fits.
      const result = await this.log.read(ref, q.offset, { limit: q.limit, maxBytes: q.maxBytes, waitMs: q.waitMs, signal });
      const records = fitAnswer(result.records, ref.partition, q.maxBytes);
      return {
        topicId: topic.topicId,
        records,
        nextOffset: records.length ? records[records.length - 1]!.offset + 1 : result.nextOffset,
        highWatermark: result.highWatermark,
        logStartOffset: result.logStartOffset,
      };
    });
  }

  async offset(topicName: string, partitionParam: string, query: Record<string, string>): Promise<{ offset: number }> {
    const q = parseOrThrow(offsetsQuerySchema, query);
    return this.topics.withTopic(topicName, async (topic) => {
      const ref = this.partition(topic, partitionParam);
      if ('timestamp' in q) return { offset: await this.log.offsetForTimestamp(ref, q.timestamp) };
      const head = await this.log.head(ref);
      return { offset: q.spec === 'earliest' ? head.logStartOffset : head.nextOffset };
    });
  }
}
