import type { PartitionFetchResult } from '../contract/fetch.js';
import type { WireRecordOut } from '../contract/records.js';
import type { RunnelApi } from './api.js';
import type { FencedOffset, LeaseAssignment } from './consumer-group-api.js';
import { sleep } from './member-fetcher.js';

/** A record as a handler sees it; offsets and timestamps are strings, as in KafkaJS. */
export interface KafkaMessage {
  key: string | Uint8Array | null;
  /** The JSON value the producer sent; bytes for a binary value; null for a tombstone. */
  value: unknown;
  offset: string;
  timestamp: string;
  headers: Record<string, string>;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: KafkaMessage;
  /** Aborted when this member loses the partition's lease: stop, nothing you commit will count. */
  signal: AbortSignal;
  /** Heartbeats run in the background regardless; kept for KafkaJS compatibility. */
  heartbeat(): Promise<void>;
  pause(): () => void;
}

export interface Batch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
  firstOffset(): string | null;
  lastOffset(): string;
}

export interface EachBatchPayload {
  batch: Batch;
  /** Marks `offset` as processed: the partition continues (and commits) after it. */
  resolveOffset(offset: string | number): void;
  commitOffsetsIfNecessary(): Promise<void>;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** True once the lease is lost. */
  isStale(): boolean;
  signal: AbortSignal;
  pause(): () => void;
}

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;

export interface WorkerSettings {
  eachMessage?: EachMessageHandler;
  eachBatch?: EachBatchHandler;
  eachBatchAutoResolve: boolean;
  /** Handler retries before a record is dead-lettered or skipped. */
  retries: number;
  initialRetryTime: number;
  maxRetryTime: number;
  fromBeginning: boolean;
  /** False once the leases may have run out by the local clock: no record may start then. */
  leasesHeld(): boolean;
  deadLetter(message: KafkaMessage, tp: { topic: string; partition: number }, error: Error): Promise<void>;
  commit(worker: PartitionWorker): Promise<void>;
  pause(topic: string, partition: number): () => void;
  /** Told when the worker may want records again: it finished a batch, moved, or resumed. */
  ready(): void;
}

const toMessage = (r: WireRecordOut): KafkaMessage => ({
  key: r.key !== null && r.keyEncoding === 'base64' ? Buffer.from(r.key, 'base64') : r.key,
  value: r.value !== null && r.valueEncoding === 'base64' ? Buffer.from(r.value as string, 'base64') : r.value,
  offset: String(r.offset),
  timestamp: String(r.timestamp),
  headers: r.headers,
});

/**
 * One leased partition: the handler's side of it, with the position (next offset to process) it
 * commits. The member's one fetch loop (MemberFetcher) reads for every worker that wants records and
 * hands each its part of the answer. Stopping lets the record in hand finish; losing the lease also
 * aborts it.
 */
export class PartitionWorker {
  /** The next offset to process; undefined until resolved from the committed offset or the reset policy. */
  position: number | undefined;
  committed: number | undefined;
  paused = false;
  private readonly lease = new AbortController();
  /** Aborts retry waits when the worker is asked to stop. */
  private readonly stopping = new AbortController();
  /** The batch being handled, or the position being worked out; one at a time. */
  private work: Promise<void> | undefined;
  /** Bumped by each seek: an answer to a fetch sent before it is dropped. */
  private moves = 0;
  /** Failed lookups in a row (a position, a topic's incarnation): they back off. */
  private failures = 0;

  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /**
   * The incarnation of the topic that `position` and `committed` belong to; undefined until known. A
   * fetch that answers another one means the topic was deleted and re-created under us.
   */
  topicId: string | undefined;

  constructor(
    private readonly api: RunnelApi,
    lease: Pick<LeaseAssignment, 'topic' | 'partition' | 'epoch' | 'committedOffset' | 'topicId'>,
    private readonly settings: WorkerSettings,
  ) {
    this.topic = lease.topic;
    this.partition = lease.partition;
    this.epoch = lease.epoch;
    this.topicId = lease.topicId ?? undefined;
    this.committed = lease.committedOffset ?? undefined;
    this.position = lease.committedOffset ?? undefined;
  }

  /** `offset` on this partition, fenced by this lease's epoch and the topic's incarnation. */
  fencedOffset(offset: number): FencedOffset {
    return { topic: this.topic, partition: this.partition, epoch: this.epoch, offset, ...(this.topicId === undefined ? {} : { topicId: this.topicId }) };
  }

  get lost(): boolean {
    return this.lease.signal.aborted;
  }

  get running(): boolean {
    return !this.stopping.signal.aborted;
  }

  /** Whether the fetch loop should read for this worker now, from `position`. */
  get wantsRecords(): boolean {
    return this.running && !this.paused && !this.work && this.position !== undefined;
  }

  /** Whether it needs its starting position worked out before it can fetch. */
  get needsPosition(): boolean {
    return this.running && !this.paused && !this.work && this.position === undefined;
  }

  /** A token for the fetch about to be sent: `accept` drops the answer if the worker moved since. */
  get fetchToken(): number {
    return this.moves;
  }

  /** Finish the record in hand, then end. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.work;
  }

  /** The lease is gone: abort the handler as well. */
  async lose(reason: string): Promise<void> {
    this.lease.abort(new Error(`lease on ${this.topic}[${this.partition}] lost: ${reason}`));
    await this.stop();
  }

  /**
   * Checked before each record, not only when a heartbeat fails: a process that stalled (a long GC
   * pause, SIGSTOP) must not run its buffered records once its lease may belong to another member,
   * whether or not its expiry timer has fired yet. False when it has stopped.
   */
  private leaseStillHeld(): boolean {
    if (this.lost) return false;
    if (this.settings.leasesHeld()) return true;
    this.lease.abort(new Error(`lease on ${this.topic}[${this.partition}] lost: lease expired by the local clock`));
    this.stopping.abort();
    return false;
  }

  /** Moves the position (a seek); the answer to a fetch in flight is dropped. */
  seek(offset: number): void {
    this.position = offset;
    this.moves++;
    this.settings.ready();
  }

  /** Stops after the record in hand; the answer to a fetch in flight is dropped. */
  pause(): void {
    this.paused = true;
    this.moves++;
  }

  resume(): void {
    this.paused = false;
    this.settings.ready();
  }

  /** Runs one piece of work at a time (a batch, a position lookup); the fetch loop hears when it ends. */
  private busy(task: () => Promise<void>): void {
    this.work = task()
      .then(
        () => void (this.failures = 0),
        // Retried at a later turn, from the same position, after a backoff.
        () => sleep(Math.min(this.settings.maxRetryTime, this.settings.initialRetryTime * 2 ** this.failures++), this.stopping.signal),
      )
      .finally(() => {
        this.work = undefined;
        if (this.running) this.settings.ready();
      });
  }

  /** Works out where to start: the committed offset, else earliest or latest as configured. */
  resolvePosition(): void {
    if (!this.needsPosition) return;
    this.busy(async () => {
      this.position ??= await this.resetPosition(undefined);
    });
  }

  /**
   * This worker's part of a fetch answer, for a fetch sent from `from` with `token`. `topicId` is the
   * topic's incarnation the answer came from.
   */
  accept({ result, topicId, from, token }: { result: PartitionFetchResult; topicId: string; from: number; token: number }): void {
    if (!this.running || this.paused || this.work || token !== this.moves || this.position !== from) return;
    if (this.isNewIncarnation(topicId)) return this.busy(() => this.startOver(topicId));
    if (result.error) return this.busy(() => this.outOfRange());
    if (result.records.length) return this.busy(() => this.deliver(result.records.map(toMessage), result.highWatermark));
    // A range that compaction emptied answers no records and a later next offset: move past it.
    if (result.nextOffset > from) this.position = result.nextOffset;
  }

  /** Out of range may mean the topic was re-created with fewer records than our position, or retention passed it. */
  private async outOfRange(): Promise<void> {
    const { topicId } = await this.api.describeTopic(this.topic);
    if (this.isNewIncarnation(topicId)) await this.startOver(topicId);
    else this.position = await this.resetPosition(this.position);
  }

  /** Whether `topicId` is another incarnation of the topic than the one our position belongs to; the first one seen is adopted. */
  private isNewIncarnation(topicId: string | undefined): topicId is string {
    if (topicId === undefined) return false;
    this.topicId ??= topicId;
    return topicId !== this.topicId;
  }

  /**
   * The topic was deleted and re-created: our position and committed offset belong to the old one.
   * Start where a new group would, at earliest or latest as configured; commits now name the new one.
   */
  private async startOver(topicId: string): Promise<void> {
    this.position = undefined;
    this.committed = undefined;
    this.topicId = topicId;
    this.position = await this.resetPosition(undefined);
  }

  /** No committed offset, or one that retention has passed: earliest or latest, as configured. */
  private async resetPosition(outOfRange: number | undefined): Promise<number> {
    const earliest = await this.api.offsetFor(this.topic, this.partition, { spec: 'earliest' });
    if (outOfRange !== undefined) return outOfRange < earliest ? earliest : this.api.offsetFor(this.topic, this.partition, { spec: 'latest' });
    return this.settings.fromBeginning ? earliest : this.api.offsetFor(this.topic, this.partition, { spec: 'latest' });
  }

  private async deliver(messages: KafkaMessage[], highWatermark: number): Promise<void> {
    if (this.settings.eachBatch) return this.deliverBatch(messages, highWatermark);
    const moves = this.moves;
    for (const message of messages) {
      // A seek or pause mid-batch: the rest of the batch is not ours to run.
      if (!this.running || this.paused || this.moves !== moves || !this.leaseStillHeld()) return;
      const outcome = await this.withRetries(
        () => message,
        () =>
          this.settings.eachMessage!({
            topic: this.topic,
            partition: this.partition,
            message,
            signal: this.lease.signal,
            heartbeat: async () => {},
            pause: () => this.settings.pause(this.topic, this.partition),
          }),
      );
      if (outcome === 'stopped') return;
      this.position = Number(message.offset) + 1;
    }
  }

  private async deliverBatch(messages: KafkaMessage[], highWatermark: number): Promise<void> {
    let resolved = false;
    const payload: EachBatchPayload = {
      batch: {
        topic: this.topic,
        partition: this.partition,
        highWatermark: String(highWatermark),
        messages,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: () => messages.at(-1)?.offset ?? String(highWatermark - 1),
      },
      resolveOffset: (offset) => {
        resolved = true;
        this.position = Math.max(this.position ?? 0, Number(offset) + 1);
      },
      commitOffsetsIfNecessary: () => this.settings.commit(this),
      heartbeat: async () => {},
      isRunning: () => this.running,
      isStale: () => this.lost || !this.settings.leasesHeld(),
      signal: this.lease.signal,
      pause: () => this.settings.pause(this.topic, this.partition),
    };
    const firstUnresolved = () => messages.find((m) => Number(m.offset) >= (this.position ?? 0)) ?? messages[0]!;
    if (!this.leaseStillHeld()) return;
    const outcome = await this.withRetries(firstUnresolved, () => this.settings.eachBatch!(payload));
    // After a dead-lettered record the rest of the batch is fetched and handed over again.
    if (outcome === 'done' && !resolved && this.settings.eachBatchAutoResolve) this.position = Number(messages.at(-1)!.offset) + 1;
  }

  /**
   * Runs a handler, retrying with backoff; after the last retry the record it failed on is
   * dead-lettered (or skipped) so that it cannot block the partition.
   */
  private async withRetries(failedOn: () => KafkaMessage, handle: () => Promise<void>): Promise<'done' | 'dead' | 'stopped'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handle();
        return this.lost ? 'stopped' : 'done';
      } catch (error) {
        if (this.lost || !this.running) return 'stopped';
        if (attempt >= this.settings.retries) {
          const message = failedOn();
          await this.settings.deadLetter(message, { topic: this.topic, partition: this.partition }, error as Error);
          this.position = Number(message.offset) + 1;
          return this.lost ? 'stopped' : 'dead';
        }
        const wait = Math.min(this.settings.maxRetryTime, this.settings.initialRetryTime * 2 ** attempt);
        await sleep(wait * (0.5 + Math.random() / 2), this.stopping.signal);
        if (!this.running || !this.leaseStillHeld()) return 'stopped';
      }
    }
  }
}
