import type { PartitionPosition } from '../contract/fetch.js';
import type { RunnelApi } from './api.js';
import type { PartitionWorker } from './consumer-partition.js';
import { WakeChannel } from './wake-channel.js';

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
  /**
   * Told when the member starts waiting on its wake sockets (true) and when it stops (false), so the
   * consumer heartbeats as an idle member or a busy one. Records fetched after a wait are handed to
   * the workers only once the promise answering `false` settles, which the consumer resolves once a
   * heartbeat naming the busy session has been answered (never while the server holds the idle one).
   */
  idleMode?: (idle: boolean) => Promise<void>;
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
 * every partition whose worker wants records, and hands each worker its part of the answer. When a
 * fetch comes back empty it opens a wake socket per topic (WakeChannel), fetches once more after they
 * are open, and, that fetch empty too, waits for a wake message instead of polling: an idle member
 * sends nothing. Where no socket can be opened it backs off (IdleBackoff): one request per `maxMs`. A
 * record resets the pause. Work that may change what to fetch (a worker finishing a batch, a new
 * lease, a seek, a resume) wakes it early.
 */
export class MemberFetcher {
  private stopping = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private pause = 0;
  private failures = 0;
  /** Rotates the order partitions are named in, so that a full answer does not always favour the first. */
  private turn = 0;
  private channel: WakeChannel | undefined;
  /** Waiting on wake sockets, as the consumer was last told. */
  private idle = false;
  private leaving: Promise<void> | undefined;

  constructor(
    private readonly api: RunnelApi,
    private readonly workers: () => Iterable<PartitionWorker>,
    private readonly settings: FetcherSettings,
  ) {}

  start(): void {
    this.channel ??= new WakeChannel(this.api, {
      woken: () => {
        // Back to the busy session while the fetch is under way; its records wait for it.
        void this.leaveIdle();
        this.poke();
      },
      ended: () => this.poke(),
    });
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
    this.channel?.close();
    this.channel = undefined;
    await this.loop;
    this.loop = undefined;
    this.stopping = new AbortController();
  }

  /** Tells the consumer the member is busy again; settles once it has heartbeated so (at once if it was not idle). */
  private leaveIdle(): Promise<void> {
    if (this.idle) {
      this.idle = false;
      this.leaving = (this.settings.idleMode?.(false) ?? Promise.resolve()).catch(() => {});
    }
    return this.leaving ?? Promise.resolve();
  }

  private enterIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.leaving = undefined;
    void this.settings.idleMode?.(true).catch(() => {});
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
      const sentAt = this.channel?.tick() ?? 0;
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
      const armedAt = await this.channel?.arm(new Map([...byTopic].map(([topic, workers]) => [topic, workers.map((w) => w.partition)])));
      if (armedAt !== undefined && !this.stopping.signal.aborted) {
        // Opened after this fetch was sent: a commit in between is in neither. One more fetch covers it.
        if (armedAt > sentAt) continue;
        // Opened before it: nothing was missed, and the next commit wakes a socket.
        this.enterIdle();
        this.pause = 0;
        await sleep(2 ** 31 - 1, AbortSignal.any([this.stopping.signal, wake]));
        continue;
      }
      // No wake channel (or not now): poll, as a busy member.
      void this.leaveIdle();
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
      // Records, an error, a move past a compacted gap, or a new incarnation of the topic: each needs the worker.
      const news = answer.partitions.some((result, i) => {
        const { worker, from } = sent[i]!;
        return result.records.length || result.error || result.nextOffset !== from || (worker.topicId !== undefined && worker.topicId !== answer.topicId);
      });
      // An idle member heartbeats with its long session: it is back on its short one before it works (G4).
      if (news) await this.leaveIdle();
      // Stopped while it waited (the consumer disconnecting): its records go to no handler.
      if (this.stopping.signal.aborted) return 'none';
      answer.partitions.forEach((result, i) => {
        const { worker, from, token } = sent[i]!;
        worker.accept({ result, topicId: answer.topicId, from, token });
      });
      return news ? 'records' : 'none';
    } catch {
      return this.stopping.signal.aborted ? 'none' : 'failed';
    }
  }
}
