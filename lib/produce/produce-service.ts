import * as z from 'zod';
import { encodedRecordSize, type StoredRecord } from '../codec/record.js';
import { badRequest, tooLarge } from '../errors.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { parseOrThrow } from '../api/validation.js';
import { toStoredRecord, wireRecordInSchema } from '../api/wire-record.js';
import { assignPartitions } from '../codec/partitioner.js';

export const MAX_RECORDS_PER_REQUEST = 10_000;

/**
 * An idempotent producer names itself and gives, per partition in the request, the sequence number
 * of that partition's first record. The client must then choose every record's partition itself.
 */
const producerSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9._-]'),
    sequences: z.record(
      z.string().regex(/^\d+$/, 'keys must be partition numbers'),
      z.number().int('must be an integer').min(0).max(Number.MAX_SAFE_INTEGER),
    ),
  })
  .strict();

export const produceRequestSchema = z
  .object({
    records: z
      .array(wireRecordInSchema, 'must be an array of records')
      .min(1, 'must hold at least one record')
      .max(MAX_RECORDS_PER_REQUEST, `must hold at most ${MAX_RECORDS_PER_REQUEST} records`),
    producer: producerSchema.optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    if (!req.producer) return;
    const present = new Set<string>();
    req.records.forEach((r, i) => {
      if (r.partition === undefined) {
        ctx.addIssue({ code: 'custom', path: ['records', i, 'partition'], message: 'is required when a producer is given' });
      } else present.add(String(r.partition));
    });
    const given = Object.keys(req.producer.sequences);
    for (const p of present) {
      if (!given.includes(p)) ctx.addIssue({ code: 'custom', path: ['producer', 'sequences', p], message: 'is missing for a partition in the request' });
    }
    for (const p of given) {
      if (!present.has(String(Number(p))) || String(Number(p)) !== p) {
        ctx.addIssue({ code: 'custom', path: ['producer', 'sequences', p], message: 'names a partition with no records in the request' });
      }
    }
  });

type ProduceRequest = z.output<typeof produceRequestSchema>;

export interface ProducedOffset {
  partition: number;
  offset: number;
  timestamp: number;
}

/**
 * Turns one produce request into at most one segment write per partition. The whole request is
 * validated before the first write, so a rejected request writes nothing; for an idempotent request
 * over several partitions that includes every partition's sequence check.
 */
export class ProduceService {
  constructor(
    private readonly topics: TopicStore,
    private readonly log: PartitionLog,
    /** The server clock: default record timestamps, and how far ahead a given one may be. */
    private readonly clock: () => number = Date.now,
  ) {}

  async produce(topicName: string, body: unknown): Promise<{ offsets: ProducedOffset[] }> {
    const request = parseOrThrow(produceRequestSchema, body);
    const now = this.clock();
    const records = request.records.map((r, i) => toStoredRecord(r, now, i));
    return this.topics.withTopic(topicName, (topic) => this.produceTo(topic, request, records));
  }

  private async produceTo(topic: Topic, request: ProduceRequest, records: StoredRecord[]): Promise<{ offsets: ProducedOffset[] }> {
    const topicName = topic.name;
    const limit = topic.config['max.message.bytes'];
    const latestTimestamp = this.clock() + topic.config['message.timestamp.after.max.ms'];
    records.forEach((r, i) => {
      if (r.timestamp > latestTimestamp) {
        throw badRequest(
          'invalid_timestamp',
          `records[${i}].timestamp: ${r.timestamp} is more than message.timestamp.after.max.ms (${topic.config['message.timestamp.after.max.ms']}) ahead of the server's clock`,
          { field: `records[${i}].timestamp` },
        );
      }
      const size = encodedRecordSize(r);
      if (size > limit) {
        throw tooLarge('record_too_large', `records[${i}]: ${size} bytes exceeds max.message.bytes ${limit}`, { field: `records[${i}]` });
      }
      const partition = request.records[i]!.partition;
      if (partition !== undefined && partition >= topic.partitions) {
        throw badRequest('invalid_partition', `records[${i}].partition: ${partition} is out of range; "${topicName}" has ${topic.partitions} partitions`, {
          field: `records[${i}].partition`,
        });
      }
    });
    const assigned = assignPartitions(
      records.map((r, i) => ({ key: r.key, partition: request.records[i]!.partition })),
      topic.partitions,
    );
    const batches = new Map<number, { records: StoredRecord[]; positions: number[] }>();
    assigned.forEach((partition, i) => {
      let batch = batches.get(partition);
      if (!batch) batches.set(partition, (batch = { records: [], positions: [] }));
      batch.records.push(records[i]!);
      batch.positions.push(i);
    });
    const producer = request.producer;
    if (producer && batches.size > 1) {
      await this.log.checkSequences(
        topic.topicId,
        producer.id,
        [...batches].map(([partition, batch]) => ({ partition, sequence: producer.sequences[String(partition)]!, count: batch.records.length })),
      );
    }
    const offsets = new Array<ProducedOffset>(records.length);
    const results = await Promise.allSettled(
      [...batches].map(async ([partition, batch]) => {
        const { baseOffset: base } = await this.log.append(
          { topicId: topic.topicId, partition },
          batch.records,
          topic.config['compression.type'],
          producer && { id: producer.id, sequence: producer.sequences[String(partition)]! },
        );
        batch.positions.forEach((pos, j) => (offsets[pos] = { partition, offset: base + j, timestamp: batch.records[j]!.timestamp }));
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { offsets };
  }
}
