import type { PartitionPosition } from '../contract/fetch.js';
import type { RunnelApi } from './api.js';
import type { PartitionWorker } from './consumer-partition.js';

export interface IdleBackoff {
  /** The pause after the first answer with no records (default 100 ms). */
  initialMs: number;
  /**
   * The longest pause between fetches while nothing arrives (default 1 000 ms); each empty answer
   * doubles the pause up to this, and a record resets it. It bounds the wake-up latency of an idle
   * consumer: a record produced at any moment is fetched within `maxMs` plus one fetch's round trip.
   */
  maxMs: number;
}

export const DEFAULT_IDLE_BACKOFF: IdleBackoff = { initialMs: 100, maxMs: 1_000 };

export interface FetcherSettings {
  /** The server's wait per fetch for records to arrive (the consumer's maxWaitTimeInMs; 0: answer at once). */
  waitMs: number;
  /** Records per fetch answer, across its partitions. */
  limit: number;
  idle: IdleBackoff;
  /** Backoff after a failed fetch. */
  initialRetryTime: number;
  maxRetryTime: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * A consumer's one fetch loop: each turn sends one multi-partition fetch per subscribed topic, naming
 * every partition whose worker wants records, and hands each worker its part of the answer. While no
 * record arrives it backs off (IdleBackoff), so an idle member costs one request per `maxMs`, not one
 * per partition per long poll; a record resets the pause. Work that may change what to fetch (a worker
 * finishing a batch, a new lease, a seek, a resume) wakes it early.
 */
export class MemberFetcher {
  private stopping = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private pause = 0;
  private failures = 0;
  /** Rotates the order partitions are named in, so that a full answer does not always favour the first. */
  private turn = 0;

  constructor(
    private readonly api: RunnelApi,
    private readonly workers: () => Iterable<PartitionWorker>,
    private readonly settings: FetcherSettings,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Something changed: fetch now rather than at the end of the pause. */
  poke(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  /** Ends the loop (a fetch in flight is dropped); `start` may begin it again. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.loop = undefined;
    this.stopping = new AbortController();
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const wake = this.wake.signal;
      const all = [...this.workers()];
      for (const w of all) w.resolvePosition();
      const ready = all.filter((w) => w.wantsRecords);
      if (!ready.length) {
        // Nothing to fetch for until a worker is done, started, moved or resumed.
        await sleep(60_000, AbortSignal.any([this.stopping.signal, wake]));
        continue;
      }
      const byTopic = new Map<string, PartitionWorker[]>();
      for (const w of ready) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w]);
      const outcomes = await Promise.all([...byTopic].map(([topic, workers]) => this.fetch(topic, workers)));
      this.turn++;
      if (outcomes.includes('failed')) {
        this.failures++;
        await sleep(Math.min(this.settings.maxRetryTime, this.settings.initialRetryTime * 2 ** this.failures), this.stopping.signal);
        continue;
      }
      this.failures = 0;
      if (outcomes.includes('records')) {
        this.pause = 0;
        continue;
      }
      this.pause = this.pause ? Math.min(2 * this.pause, this.settings.idle.maxMs) : Math.min(this.settings.idle.initialMs, this.settings.idle.maxMs);
      await sleep(this.pause, AbortSignal.any([this.stopping.signal, wake]));
    }
  }

  /** One request for one topic's ready workers. */
  private async fetch(topic: string, workers: PartitionWorker[]): Promise<'records' | 'none' | 'failed'> {
    const shift = this.turn % workers.length;
    const order = [...workers.slice(shift), ...workers.slice(0, shift)];
    const sent = order.map((w) => ({ worker: w, from: w.position!, token: w.fetchToken }));
    const partitions: PartitionPosition[] = sent.map(({ worker, from }) => ({ partition: worker.partition, offset: from }));
    try {
      const answer = await this.api.fetchMany(topic, { partitions, limit: this.settings.limit, waitMs: this.settings.waitMs }, { signal: this.stopping.signal });
      let news = false;
      answer.partitions.forEach((result, i) => {
        const { worker, from, token } = sent[i]!;
        // Records, an error, a move past a compacted gap, or a new incarnation of the topic: each needs the worker.
        if (result.records.length || result.error || result.nextOffset !== from || (worker.topicId !== undefined && worker.topicId !== answer.topicId)) news = true;
        worker.accept({ result, topicId: answer.topicId, from, token });
      });
      return news ? 'records' : 'none';
    } catch {
      return this.stopping.signal.aborted ? 'none' : 'failed';
    }
  }
}
