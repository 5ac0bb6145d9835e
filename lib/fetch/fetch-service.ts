import type {
  FetchRequest,
  FetchResponse,
  MultiFetchResponse,
  MultiFetchServiceRequest,
  OffsetRequest,
  OffsetResponse,
  PartitionFetchResult,
} from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT } from '../contract/limits.js';
import type { WireRecordOut } from '../contract/records.js';
import { badRequest } from '../errors.js';
import { OffsetOutOfRangeError, partitionKey, type PartitionLog, type PartitionRef, type ReadRecord, type ReadResult } from '../log/partition-log.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { answerBytes, MAX_RECORDS_LAMBDA_BYTES, toWireRecord } from '../api/wire-record.js';

/**
 * What a fetch answer may still carry: `maxBytes` of records' JSON as sent, at most `limit` records,
 * and within a Lambda response once API Gateway's Lambda result wraps it. The first record always
 * fits, as in Kafka, so a large record cannot stall a consumer (produce refuses a record that could not
 * fit on its own).
 */
class AnswerBudget {
  private body = 0;
  private count = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly limit: number,
    /** Bytes of the answer besides its records, as Lambda counts them. */
    private lambda = 0,
  ) {}

  /** Counts `record` in and says true if it fits. */
  admit(record: WireRecordOut): boolean {
    const size = answerBytes(JSON.stringify(record));
    // +1 for the comma between records.
    const body = this.body + size.body + 1;
    const lambda = this.lambda + size.lambda + 1;
    if (this.count > 0 && (this.count >= this.limit || body > this.maxBytes || lambda > MAX_RECORDS_LAMBDA_BYTES)) return false;
    this.body = body;
    this.lambda = lambda;
    this.count++;
    return true;
  }

  /** The longest prefix of `read` that fits. */
  fit(read: ReadRecord[], partition: number): WireRecordOut[] {
    const records: WireRecordOut[] = [];
    for (const r of read) {
      const record = toWireRecord(r, partition);
      if (!this.admit(record)) break;
      records.push(record);
    }
    return records;
  }
}

/** A multi-partition answer's framing per partition (its offsets, an error), as Lambda counts it: generous. */
const PARTITION_FRAMING_BYTES = 512;

export class FetchService {
  constructor(
    private readonly topics: TopicStore,
    private readonly log: PartitionLog,
  ) {}

  private partition(topic: Topic, partition: number, field = 'partition'): PartitionRef {
    if (!(Number.isInteger(partition) && partition >= 0 && partition < topic.partitions)) {
      throw badRequest('invalid_partition', `${field}: ${partition} is not a partition of "${topic.name}" (0..${topic.partitions - 1})`, {
        field,
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
      const records = new AnswerBudget(maxBytes, limit).fit(result.records, ref.partition);
      return {
        topicId: topic.topicId,
        records,
        nextOffset: records.length ? records[records.length - 1]!.offset + 1 : result.nextOffset,
        highWatermark: result.highWatermark,
        logStartOffset: result.logStartOffset,
      };
    }, request.partition);
  }

  /**
   * Records from many partitions of one topic (validated at the edge: each named once). Answers as
   * soon as any has records, or after `waitMs`; `limit` and `maxBytes` bound the whole answer, filled
   * in the order the partitions are named. A partition whose offset is outside its log gets its own
   * `offset_out_of_range` error and the others are answered.
   *
   * Cost: each partition's head is read once (a GetItem), and, while none has records, again at each
   * of PartitionLog.awaitAppend's few re-reads; an append in this process wakes the wait at once.
   */
  async fetchMany(request: MultiFetchServiceRequest, signal?: AbortSignal): Promise<MultiFetchResponse> {
    const { limit = DEFAULT_FETCH_LIMIT, maxBytes = DEFAULT_FETCH_BYTES, waitMs = 0 } = request;
    return this.topics.withTopic(request.topic, async (topic) => {
      const refs = request.partitions.map((p, i) => this.partition(topic, p.partition, `partitions[${i}].partition`));
      const read = (i: number) => this.readOrRefuse({ ref: refs[i]!, offset: request.partitions[i]!.offset, limit, maxBytes, signal });
      const results = await Promise.all(refs.map((_, i) => read(i)));
      // An out-of-range partition is news too: its consumer must move.
      const nothingNew = results.every((r) => !('error' in r) && r.records.length === 0 && r.nextOffset === r.highWatermark);
      if (nothingNew && waitMs > 0) {
        const tails = results.map((r, i) => ({ ref: refs[i]!, nextOffset: (r as ReadResult).highWatermark }));
        const moved = await this.log.awaitAppend(tails, waitMs, signal);
        await Promise.all(refs.map(async (ref, i) => moved.has(partitionKey(ref)) && (results[i] = await read(i))));
      }
      const budget = new AnswerBudget(maxBytes, limit, refs.length * PARTITION_FRAMING_BYTES);
      return {
        topicId: topic.topicId,
        partitions: results.map((r, i): PartitionFetchResult => {
          const partition = refs[i]!.partition;
          if ('error' in r) return { partition, records: [], nextOffset: request.partitions[i]!.offset, ...r };
          const records = budget.fit(r.records, partition);
          const nextOffset = records.length ? records[records.length - 1]!.offset + 1 : r.records.length ? request.partitions[i]!.offset : r.nextOffset;
          return { partition, records, nextOffset, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
        }),
      };
    });
  }

  /** One partition's read, without waiting; an offset outside its log is an answer, not a throw. */
  private async readOrRefuse({ ref, offset, limit, maxBytes, signal }: { ref: PartitionRef; offset: number; limit: number; maxBytes: number; signal?: AbortSignal | undefined }) {
    try {
      return await this.log.read(ref, offset, { limit, maxBytes, waitMs: 0, signal });
    } catch (e) {
      if (!(e instanceof OffsetOutOfRangeError)) throw e;
      const { logStartOffset, highWatermark } = e.details as { logStartOffset: number; highWatermark: number };
      return { error: { code: 'offset_out_of_range' as const, message: e.message }, logStartOffset, highWatermark };
    }
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
