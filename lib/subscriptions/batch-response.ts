import { triggerRecordsKey } from './batch-event.js';

/** What was delivered: one partition's records, their offsets ascending. */
export interface DeliveredBatch {
  topic: string;
  partition: number;
  offsets: readonly number[];
}

/**
 * How far a target's answer lets the subscription commit.
 * - `commitTo`: the offset to commit, the first record not acknowledged (or one past the batch).
 * - `failure`: the record to retry and why, when not all were acknowledged.
 */
export interface BatchVerdict {
  commitTo: number;
  failure: { offset: number; reason: string } | null;
}

/**
 * The identifier of a failed record, as Lambda's Kafka trigger defines it: the `"<topic>-<partition>"`
 * key of the event's `records` and the record's offset, e.g. `{"partition": "orders-0", "offset": 15}`.
 * The offset may be a number or a decimal string.
 */
export interface KafkaItemIdentifier {
  partition: string;
  offset: number | string;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function offsetOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  if (typeof raw === 'string' && DECIMAL.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The commit point a target's answer allows, as Lambda computes it for stream triggers: records before
 * the lowest failed one are acknowledged; it and everything after are retried.
 *
 * - No answer, an answer without `batchItemFailures`, or an empty or null list: every record is acknowledged.
 * - A failure naming a record of the batch: commit up to the lowest such record.
 * - Anything else in the list (a malformed entry, another partition, an offset not delivered): the
 *   whole batch failed. Guessing would risk committing past a record the handler did not process.
 */
export function commitPoint(batch: DeliveredBatch, answer: unknown): BatchVerdict {
  const first = batch.offsets[0];
  const last = batch.offsets.at(-1);
  if (first === undefined || last === undefined) throw new Error('commitPoint needs a batch of at least one record');
  const all: BatchVerdict = { commitTo: last + 1, failure: null };
  if (!isObject(answer) || !('batchItemFailures' in answer)) return all;
  const failures = answer.batchItemFailures;
  if (failures === null || failures === undefined) return all;
  const whole = (reason: string): BatchVerdict => ({ commitTo: first, failure: { offset: first, reason } });
  if (!Array.isArray(failures)) return whole('batchItemFailures is not a list');
  if (failures.length === 0) return all;
  const key = triggerRecordsKey(batch.topic, batch.partition);
  const delivered = new Set(batch.offsets);
  let lowest = Infinity;
  for (const failure of failures) {
    const id = isObject(failure) ? failure.itemIdentifier : undefined;
    if (!isObject(id)) return whole(`batchItemFailures holds an entry without an itemIdentifier object: ${describe(failure)}`);
    const offset = offsetOf(id.offset);
    if (id.partition !== key || offset === undefined || !delivered.has(offset)) {
      return whole(`batchItemFailures names a record that was not in the batch: ${describe(id)}`);
    }
    lowest = Math.min(lowest, offset);
  }
  return { commitTo: lowest, failure: { offset: lowest, reason: 'the target reported it in batchItemFailures' } };
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
