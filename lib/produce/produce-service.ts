import { encodedRecordSize, type StoredRecord } from '../codec/record.js';
import { assignPartitions } from '../codec/partitioner.js';
import type { ProducedOffset, ProduceRequest, ProduceResponse } from '../contract/records.js';
import { badRequest, tooLarge } from '../errors.js';
import { compacts } from '../log/compaction.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { TopicAutoCreation } from '../topics/auto-create.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { toStoredRecord } from '../api/wire-record.js';
import { MAX_MESSAGE_BYTES_LIMIT } from '../contract/limits.js';

/**
 * What a dead-letter record may weigh: the largest record any topic accepts, plus its dead-letter headers
 * (an error cut to 1,000 characters and a few names). Still well inside a fetch answer's bound.
 */
export const MAX_DEAD_LETTER_RECORD_BYTES = MAX_MESSAGE_BYTES_LIMIT + 16 * 1024;

export interface ProduceOptions {
  /**
   * A consumer gives up on a record and writes it to a dead-letter topic: the dead-letter topic's own
   * max.message.bytes must not refuse it, or the record would hold its partition forever (S4).
   */
  deadLetter?: boolean;
}

/**
 * Turns one produce request into at most one segment write per partition. The whole request is
 * validated before the first write, so a rejected request writes nothing; for an idempotent request
 * over several partitions that includes every partition's sequence check.
 */
export class ProduceService {
  private readonly topics: TopicStore;
  private readonly log: PartitionLog;
  private readonly autoCreate: TopicAutoCreation;
  private readonly clock: () => number;

  constructor({
    topics,
    log,
    autoCreate,
    clock = Date.now,
  }: {
    topics: TopicStore;
    log: PartitionLog;
    /** Creates a missing topic when `auto.create.topics.enable` is on. */
    autoCreate: TopicAutoCreation;
    /** The server clock: default record timestamps, and how far ahead a given one may be. */
    clock?: (() => number) | undefined;
  }) {
    this.topics = topics;
    this.log = log;
    this.autoCreate = autoCreate;
    this.clock = clock;
  }

  /** `request` is valid as lib/api/produce-request.ts checks it; what depends on the topic (partitions, sizes, timestamps) is checked here. */
  async produce(topicName: string, request: ProduceRequest, options: ProduceOptions = {}): Promise<ProduceResponse> {
    const now = this.clock();
    const records = request.records.map((r, i) => toStoredRecord(r, now, i));
    // A record naming a partition the cached topic does not have makes the topic be read afresh: it may be new.
    const highest = Math.max(-1, ...request.records.map((r) => r.partition ?? -1));
    return this.autoCreate.orCreate(topicName, () => this.topics.withTopic(topicName, (topic) => this.produceTo(topic, request, records, options), highest >= 0 ? highest : undefined));
  }

  private async produceTo(topic: Topic, request: ProduceRequest, records: StoredRecord[], options: ProduceOptions): Promise<ProduceResponse> {
    const topicName = topic.name;
    const limit = options.deadLetter ? MAX_DEAD_LETTER_RECORD_BYTES : topic.config['max.message.bytes'];
    const latestTimestamp = this.clock() + topic.config['message.timestamp.after.max.ms'];
    records.forEach((r, i) => {
      if (r.timestamp > latestTimestamp) {
        throw badRequest(
          'invalid_timestamp',
          `records[${i}].timestamp: ${r.timestamp} is more than message.timestamp.after.max.ms (${topic.config['message.timestamp.after.max.ms']}) ahead of the server's clock`,
          { field: `records[${i}].timestamp` },
        );
      }
      // Kafka refuses these too: compaction keeps the latest record per key, and a keyless one has none.
      if (r.key === null && compacts(topic.config)) {
        throw badRequest('invalid_record', `records[${i}].key: "${topicName}" is compacted (cleanup.policy ${topic.config['cleanup.policy']}): every record needs a key`, {
          field: `records[${i}].key`,
        });
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
          { ref: { topicId: topic.topicId, partition },
          records: batch.records,
          compression: topic.config['compression.type'],
          producer: producer && { id: producer.id, sequence: producer.sequences[String(partition)]! } },
        );
        batch.positions.forEach((pos, j) => (offsets[pos] = { partition, offset: base + j, timestamp: batch.records[j]!.timestamp }));
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { offsets };
  }
}
