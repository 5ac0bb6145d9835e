import { useEffect, useRef, useState } from 'preact/hooks';
import type { MultiFetchRequest, MultiFetchResponse, OffsetResponse } from '../contract/fetch.js';
import type { WireRecordOut } from '../contract/records.js';
import type { TopicDescription } from '../contract/topics.js';
import { call } from './api.js';

/** The most records the page keeps; older ones drop off the top as a tail runs. */
export const KEEP_RECORDS = 100_000;
/** Records per fetch: a tail of 1,000 records/s needs a few fetches a second. */
const FETCH_LIMIT = 2000;
/** Polling backs off while nothing comes, from the first to the last delay, and starts again fast once records do. */
export const IDLE_DELAYS_MS = { first: 200, max: 3200 } as const;
/** How many records before each partition's end a topic page opens at. */
const OPEN_BEFORE_END = 50;

export type StartAt = { at: 'end'; before: number } | { at: 'earliest' } | { at: 'offset'; offset: number; partition?: number } | { at: 'time'; timestamp: number };

export interface Tail {
  /** Kept records, oldest first; mutated in place as records arrive, `version` counts the changes. */
  records: WireRecordOut[];
  version: number;
  running: boolean;
  setRunning(running: boolean): void;
  jump(start: StartAt): void;
  /** Where the next fetch of each partition starts. */
  positions: ReadonlyMap<number, number>;
  /** Records per second over the last seconds. */
  rate: number;
  error: unknown;
  notice: string | undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Each partition's first offset for `start`: looked up by time on the server, or taken from the topic's bounds. */
async function positionsFor(topic: string, start: StartAt, signal: AbortSignal): Promise<Map<number, number>> {
  const { partitionStates } = await call('describeTopic', { topic }, { signal });
  const positions = new Map<number, number>();
  for (const p of partitionStates) {
    if (start.at === 'end') positions.set(p.partition, Math.max(p.logStartOffset, p.highWatermark - start.before));
    else if (start.at === 'earliest') positions.set(p.partition, p.logStartOffset);
    else if (start.at === 'offset') {
      if (start.partition === undefined || start.partition === p.partition) positions.set(p.partition, Math.min(Math.max(start.offset, p.logStartOffset), p.highWatermark));
    } else {
      const { offset } = await call('lookupOffset', { topic, partition: p.partition }, { query: { timestamp: start.timestamp }, signal });
      positions.set(p.partition, offset);
    }
  }
  if (start.at === 'offset' && start.partition !== undefined && positions.size === 0) throw new Error(`topic "${topic}" has no partition ${start.partition}`);
  return positions;
}

/**
 * Reads a topic from chosen positions with the multi-partition fetch, polling again at once while
 * records come and backing off while none do. Pausing stops the polls; a jump starts over from new positions.
 */
export function useTail(topic: string): Tail {
  const recordsRef = useRef<WireRecordOut[]>([]);
  const positionsRef = useRef(new Map<number, number>());
  const controllerRef = useRef<AbortController | undefined>(undefined);
  const runningRef = useRef(true);
  const arrivals = useRef<Array<{ at: number; n: number }>>([]);
  const [version, setVersion] = useState(0);
  const frame = useRef<number | undefined>(undefined);
  /** One render per frame at most, however many answers arrive in it (and none while the tab is hidden). */
  const changed = () => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = undefined;
      setVersion((v) => v + 1);
    });
  };
  const [running, setRunningState] = useState(true);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [rate, setRate] = useState(0);

  const fetchOnce = async (signal: AbortSignal, order: number): Promise<number> => {
    const partitions = [...positionsRef.current].map(([partition, offset]) => ({ partition, offset }));
    if (partitions.length === 0) return 0;
    // Partitions are filled in the order asked: rotate it so that each gets its turn first.
    const rotated = [...partitions.slice(order % partitions.length), ...partitions.slice(0, order % partitions.length)];
    const request: MultiFetchRequest = { partitions: rotated, limit: FETCH_LIMIT, waitMs: 0 };
    const answer = await call('fetchPartitions', { topic }, { body: request, signal });
    if (signal.aborted) return 0;
    let n = 0;
    for (const p of answer.partitions) {
      if (p.error) {
        // Retention removed what was asked for, or the offset lies beyond the end: go to the nearest end.
        const asked = positionsRef.current.get(p.partition) ?? 0;
        const to = asked < p.logStartOffset ? p.logStartOffset : p.highWatermark;
        positionsRef.current.set(p.partition, to);
        setNotice(`partition ${p.partition}: ${p.error.message}; reading from ${to}`);
        continue;
      }
      positionsRef.current.set(p.partition, p.nextOffset);
      recordsRef.current.push(...p.records);
      n += p.records.length;
    }
    const records = recordsRef.current;
    if (records.length > KEEP_RECORDS) records.splice(0, records.length - KEEP_RECORDS);
    if (n > 0) {
      const now = performance.now();
      arrivals.current = [...arrivals.current.filter((a) => a.at > now - 3000), { at: now, n }];
      changed();
    }
    setError(undefined);
    return n;
  };

  const pump = async (signal: AbortSignal) => {
    let delay: number = IDLE_DELAYS_MS.first;
    for (let order = 0; !signal.aborted; order++) {
      let n = 0;
      try {
        n = await fetchOnce(signal, order);
      } catch (e) {
        if (signal.aborted) return;
        setError(e);
      }
      if (!runningRef.current) return;
      delay = n > 0 ? IDLE_DELAYS_MS.first : Math.min(delay * 2, IDLE_DELAYS_MS.max);
      // A full answer means more is waiting: ask again at once.
      await sleep(n >= FETCH_LIMIT ? 0 : n > 0 ? 50 : delay, signal);
    }
  };

  const restart = () => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    void pump(controller.signal);
  };

  const jump = (start: StartAt) => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    recordsRef.current = [];
    arrivals.current = [];
    setVersion((v) => v + 1);
    setNotice(undefined);
    positionsFor(topic, start, controller.signal).then(
      (positions) => {
        if (controller.signal.aborted) return;
        positionsRef.current = positions;
        setError(undefined);
        // Paused, a jump still shows one page of records from there.
        void pump(controller.signal);
      },
      (e: unknown) => controller.signal.aborted || setError(e),
    );
  };

  const setRunning = (next: boolean) => {
    runningRef.current = next;
    setRunningState(next);
    if (next) restart();
    else controllerRef.current?.abort();
  };

  useEffect(() => {
    jump({ at: 'end', before: OPEN_BEFORE_END });
    const timer = setInterval(() => {
      const now = performance.now();
      arrivals.current = arrivals.current.filter((a) => a.at > now - 3000);
      setRate(arrivals.current.reduce((sum, a) => sum + a.n, 0) / 3);
    }, 1000);
    return () => {
      controllerRef.current?.abort();
      clearInterval(timer);
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    };
  }, [topic]);

  return { records: recordsRef.current, version, running, setRunning, jump, positions: positionsRef.current, rate, error, notice };
}
