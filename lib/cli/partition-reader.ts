import type { RunnelApi } from '../client/api.js';
import { MAX_WAIT_MS } from '../contract/limits.js';
import type { WireRecordOut } from '../contract/records.js';
import { isRunnelHttpError } from '../client/errors.js';
import { assertInLog } from './offset-range.js';
import type { OffsetSpec } from './options.js';

export interface PartitionReadOptions {
  topic: string;
  /** Default: every partition. */
  partitions?: number[] | undefined;
  start: OffsetSpec;
  /** Keep waiting for new records; otherwise stop at each partition's high watermark as it was at the start. */
  follow: boolean;
  /** Long-poll wait per fetch when following (ms). */
  waitMs?: number;
  signal: AbortSignal;
}

const PAGE = 1000;

export interface ResolveStartOptions {
  api: RunnelApi;
  topic: string;
  partition: number;
  state: { logStartOffset: number; highWatermark: number };
  start: OffsetSpec;
}

/** Where a partition's reading starts; an absolute offset outside its log throws, naming the bounds. */
export async function resolveStart({ api, topic, partition, state, start }: ResolveStartOptions): Promise<number> {
  switch (start.from) {
    case 'earliest':
      return state.logStartOffset;
    case 'latest':
      return state.highWatermark;
    case 'tail':
      // As kcat: fewer records than asked for start at the log start.
      return Math.max(state.logStartOffset, state.highWatermark - start.count);
    case 'offset':
      assertInLog({ topic, partition, offset: start.offset, state });
      return start.offset;
    case 'timestamp':
      return api.offsetFor(topic, partition, { timestamp: start.timestamp });
  }
}

/**
 * Reads partitions without a group: each from its start position, in offset order, all partitions at
 * once. Records reach `onRecord` one at a time per partition, so a slow writer slows the reading.
 */
export async function readPartitions(api: RunnelApi, options: PartitionReadOptions, onRecord: (r: WireRecordOut) => Promise<void>): Promise<void> {
  const d = await api.describeTopic(options.topic);
  const wanted = options.partitions ?? d.partitionStates.map((p) => p.partition);
  for (const p of wanted) {
    if (p >= d.partitions) throw new Error(`partition ${p} is not a partition of "${options.topic}" (0..${d.partitions - 1})`);
  }
  // Every start is resolved (and checked) before anything is printed, so a bad offset prints nothing.
  const starts = await Promise.all(wanted.map((partition) => resolveStart({ api, topic: options.topic, partition, state: d.partitionStates[partition]!, start: options.start })));
  await Promise.all(
    wanted.map(async (partition, i) => {
      let offset = starts[i]!;
      const end = d.partitionStates[partition]!.highWatermark;
      while (!options.signal.aborted && (options.follow || offset < end)) {
        let page;
        try {
          page = await api.fetch({ topic: options.topic, partition, offset, limit: PAGE, waitMs: options.follow ? (options.waitMs ?? MAX_WAIT_MS) : 0 }, { signal: options.signal });
        } catch (error) {
          if (options.signal.aborted) return;
          // Retention moved the log start past us while following: carry on from the new start.
          if (options.follow && isRunnelHttpError(error) && error.status === 416) {
            const now = (await api.describeTopic(options.topic)).partitionStates[partition]!;
            if (offset < now.logStartOffset) {
              offset = now.logStartOffset;
              continue;
            }
          }
          throw error;
        }
        for (const record of page.records) {
          if ((!options.follow && record.offset >= end) || options.signal.aborted) return;
          await onRecord(record);
        }
        offset = page.nextOffset;
      }
    }),
  );
}
