import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { deadLetterRecord } from '../contract/dead-letter.js';
import { DEFAULT_SESSION_TIMEOUT_MS } from '../contract/limits.js';
import { topicPartitionKey, type TopicPartition } from '../contract/topic-partition.js';
import type { RunnelApi } from './api.js';
import { ConsumerGroupApi, type FencedOffset, type HeartbeatAnswer, type LeaseAssignment } from './consumer-group-api.js';
import { PartitionWorker, type EachBatchHandler, type EachMessageHandler, type KafkaMessage, type WorkerSettings } from './consumer-partition.js';
import { isRunnelHttpError, type RunnelHttpError } from './errors.js';
import { DEFAULT_IDLE_BACKOFF, MemberFetcher, type IdleBackoff } from './member-fetcher.js';
import { withRetries } from './retry.js';

export type { Batch, EachBatchPayload, EachMessagePayload, KafkaMessage } from './consumer-partition.js';
export type { IdleBackoff } from './member-fetcher.js';

export interface ConsumerConfig {
  groupId: string;
  /** A member that has not heartbeated for this long is dead, and its partitions move (default 10 000 ms). */
  sessionTimeout?: number;
  /** How often to heartbeat, independent of how long handlers run (default 3 000 ms). */
  heartbeatInterval?: number;
  /**
   * The session while the member is idle: waiting on its wake sockets for records, with none in hand
   * (default 45 000 ms, Kafka's session.timeout.ms, or `sessionTimeout` if longer). A member that dies
   * while idle is taken over within this plus `idleHeartbeatInterval`; a rebalance waits for an idle
   * member's next heartbeat. A woken member heartbeats with `sessionTimeout` again before it hands its
   * handlers a record.
   */
  idleSessionTimeout?: number;
  /** How often an idle member heartbeats (default 15 000 ms, or `heartbeatInterval` if longer). */
  idleHeartbeatInterval?: number;
  /** Commit processed offsets this often (default 5 000 ms); 0 commits only on demand, handoff and disconnect. */
  autoCommitInterval?: number;
  autoCommit?: boolean;
  /**
   * How long the server may hold each fetch waiting for records (default 0: it answers at once). The
   * consumer sends one fetch per topic for all its partitions and, while nothing arrives, waits
   * between fetches as `idleBackoff` says. On Lambda a held fetch is billed by the millisecond, so the
   * default leaves the waiting to the client; against a local server a wait wakes at once on a record.
   */
  maxWaitTimeInMs?: number;
  /** Most records per fetch, across its partitions (default 500). */
  maxBatchSize?: number;
  /**
   * The pause between fetches while nothing arrives and no wake socket can be opened (a server without
   * a wake channel, or a Node without a WebSocket): `initialMs` after the first empty answer (default
   * 100), doubling up to `maxMs` (default 1 000), and back to none on a record. Such a member sends one
   * request per `maxMs` per topic; a record produced while it is idle reaches its handler within `maxMs`
   * plus one fetch's round trip (and `maxWaitTimeInMs`, if the server holds fetches). With a wake socket
   * open, an idle member sends no fetch at all until a commit wakes it.
   */
  idleBackoff?: Partial<IdleBackoff>;
  /** Handler retries, KafkaJS names: a failing record is retried this many times, then dead-lettered. */
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
  /** Where a record goes after its last retry. Without it the record is skipped (and reported to onDeadLetter). */
  deadLetterTopic?: string;
  /** Told of every record given up on, whether or not it went to a dead-letter topic. */
  onDeadLetter?: (event: { topic: string; partition: number; message: KafkaMessage; error: Error }) => void;
  /**
   * The member id (1–128 of `[A-Za-z0-9._-]`). Default: the client id and a random suffix, chosen once
   * per consumer before its first join, so a join retried after a lost answer is the same member.
   * Give one only if it names one running process: a second process joining under it fences the first.
   */
  memberId?: string;
  /** A human-readable name for this member, shown by describe (default: `<hostname>-<pid>`). */
  clientId?: string;
}

export interface ConsumerSubscribeTopics {
  topics?: string[];
  topic?: string;
  /** Where to start on a partition the group has never committed: earliest (true) or latest (default). */
  fromBeginning?: boolean;
}

export interface ConsumerRunConfig {
  eachMessage?: EachMessageHandler;
  eachBatch?: EachBatchHandler;
  eachBatchAutoResolve?: boolean;
}

export interface TopicPartitionOffsetInput {
  topic: string;
  partition: number;
  offset: string | number;
}

const DEFAULTS = { sessionTimeout: DEFAULT_SESSION_TIMEOUT_MS, heartbeatInterval: 3_000, autoCommitInterval: 5_000, maxWaitTimeInMs: 0, maxBatchSize: 500 };
/** An idle member's liveness: Kafka's default session.timeout.ms, and a third of it between heartbeats. */
export const IDLE_DEFAULTS = { sessionTimeout: 45_000, heartbeatInterval: 15_000 };
const RETRY = { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000 };

const key = topicPartitionKey;

/** The partitions a 409 to a commit names as committed anyway (its `done`), as keys. */
function committedDespite(error: RunnelHttpError): Set<string> {
  const done = error.details?.['done'];
  if (!Array.isArray(done)) return new Set();
  return new Set(done.filter((d): d is TopicPartition => typeof d?.topic === 'string' && typeof d?.partition === 'number').map(key));
}

/** The client id made fit for a member id, plus a suffix that no other process will choose. */
function memberIdFor(clientId: string): string {
  const readable = clientId.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 100);
  return `${readable}-${randomBytes(8).toString('hex')}`;
}

/**
 * A group consumer shaped like KafkaJS's. Unlike a Kafka client it heartbeats on its own timer, so
 * a slow handler is never evicted; a handler whose lease is lost gets an aborted signal; a rebalance
 * moves only the partitions it must, each handed over at its final committed offset.
 */
export class Consumer {
  private readonly config: Required<Omit<ConsumerConfig, 'deadLetterTopic' | 'onDeadLetter' | 'memberId' | 'clientId' | 'retry' | 'idleBackoff'>> & ConsumerConfig;
  /** Waiting on wake sockets: heartbeats name the idle session, at the idle interval. */
  private idle = false;
  private readonly retry: typeof RETRY;
  private readonly group: ConsumerGroupApi;
  private topics: string[] = [];
  private fromBeginning = false;
  private run_: ConsumerRunConfig | undefined;
  private readonly memberId: string;
  private readonly clientId: string;
  private readonly workers = new Map<string, PartitionWorker>();
  /** The one fetch loop for every partition this member holds. */
  private readonly fetcher: MemberFetcher;
  /** Partitions being handed off: their release is under way. */
  private readonly releasing = new Set<string>();
  /**
   * Leases given up, as `<topic>#<partition>@<epoch>`, with when the release was answered. A heartbeat
   * in flight during a release may be answered with the lease as it was before: never ours again at
   * that epoch, so such an answer must not start it again.
   */
  private readonly released = new Map<string, number>();
  private readonly pausedTopics = new Map<string, Set<number> | 'all'>();
  private readonly seeks = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private autoCommitting: Promise<void> | undefined;
  /** Fires when the leases run out by the local clock, whatever the heartbeats are doing. */
  private expiryTimer: NodeJS.Timeout | undefined;
  private lastHeartbeatOk = 0;
  /** Until when the leases are surely still ours: the last answered heartbeat's send time plus the session. */
  private leasesHeldUntil = 0;
  private lastHeartbeatSent = 0;
  /**
   * Set while the member is back from idle and no heartbeat naming the busy session has been answered
   * since: the server may still hold the idle session, so records wait for it (settled by that answer).
   */
  private busySession: { heard: Promise<void>; settle: () => void } | undefined;
  /** When the join or heartbeat whose answer was applied last was sent. */
  private lastApplied = 0;
  private beating: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly api: RunnelApi,
    config: ConsumerConfig,
  ) {
    if (!config?.groupId) throw new TypeError('consumer: groupId is required');
    const merged = { ...DEFAULTS, autoCommit: true, ...config };
    this.config = {
      ...merged,
      idleSessionTimeout: config.idleSessionTimeout ?? Math.max(IDLE_DEFAULTS.sessionTimeout, merged.sessionTimeout),
      idleHeartbeatInterval: config.idleHeartbeatInterval ?? Math.max(IDLE_DEFAULTS.heartbeatInterval, merged.heartbeatInterval),
    };
    if (this.config.idleHeartbeatInterval >= this.config.idleSessionTimeout) {
      throw new TypeError(`consumer: idleHeartbeatInterval (${this.config.idleHeartbeatInterval} ms) must be shorter than idleSessionTimeout (${this.config.idleSessionTimeout} ms)`);
    }
    this.retry = { ...RETRY, ...config.retry };
    this.group = new ConsumerGroupApi(api, config.groupId, Math.max(1000, this.config.heartbeatInterval));
    this.clientId = config.clientId ?? `${hostname()}-${process.pid}`;
    this.memberId = config.memberId ?? memberIdFor(this.clientId);
    this.fetcher = new MemberFetcher(api, () => [...this.workers.values()].filter((w) => !w.lost), {
      waitMs: this.config.maxWaitTimeInMs,
      limit: this.config.maxBatchSize,
      idle: { ...DEFAULT_IDLE_BACKOFF, ...config.idleBackoff },
      initialRetryTime: this.retry.initialRetryTime,
      maxRetryTime: this.retry.maxRetryTime,
      idleMode: (idle) => this.setIdle(idle),
    });
  }

  async connect(): Promise<void> {
    await this.api.call('health', {});
  }

  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    const topics = subscription.topics ?? (subscription.topic ? [subscription.topic] : []);
    if (!topics.length) throw new TypeError('subscribe: give topics or topic');
    if (!this.stopped) throw new Error('subscribe before run()');
    this.topics.push(...topics.filter((t) => !this.topics.includes(t)));
    this.fromBeginning = subscription.fromBeginning ?? this.fromBeginning;
  }

  /** Joins the group and starts consuming in the background; resolves once the first assignment is in. */
  async run(config: ConsumerRunConfig): Promise<void> {
    if (!config.eachMessage === !config.eachBatch) throw new TypeError('run: give exactly one of eachMessage or eachBatch');
    if (!this.topics.length) throw new Error('run: subscribe to a topic first');
    this.run_ = config;
    this.stopped = false;
    // A storage hiccup at start-up should not need the caller's own retry loop.
    await withRetries(() => this.join(), { ...this.retry, shouldRetry: (e) => isRunnelHttpError(e) && e.retriable && !this.stopped });
    this.fetcher.start();
    if (this.config.autoCommit && this.config.autoCommitInterval > 0) {
      this.commitTimer = setInterval(() => {
        // One auto-commit at a time: a slow answer must not pile up copies of the same commit.
        this.autoCommitting ??= this.commitPositions()
          .catch(() => {})
          .finally(() => (this.autoCommitting = undefined));
      }, this.config.autoCommitInterval);
    }
  }

  /** The member id the group knows this consumer by. */
  get id(): string {
    return this.memberId;
  }

  /** The partitions this consumer holds now. */
  assignment(): Array<{ topic: string; partition: number }> {
    return [...this.workers.values()].filter((w) => !w.lost).map((w) => ({ topic: w.topic, partition: w.partition }));
  }

  private async join(): Promise<void> {
    const sentAt = Date.now();
    this.lastHeartbeatSent = sentAt;
    const answer = await this.group.join({ topics: this.topics, sessionTimeoutMs: this.config.sessionTimeout, memberId: this.memberId, clientId: this.clientId });
    if (this.heard(sentAt, this.config.sessionTimeout)) {
      this.busySessionHeard();
      this.apply(answer, sentAt);
    }
    this.scheduleHeartbeat(answer);
  }

  /**
   * An answer to a join or heartbeat sent at `sentAt` naming `session` arrived. The server renewed the
   * session after that moment, so its leases last at least until `sentAt + session` by our clock: that
   * is when the handlers are aborted unless another answer comes first, even if every heartbeat hangs
   * (G4, G7). False if the answer came too late to say anything about now: the leases may have moved since.
   */
  private heard(sentAt: number, session: number): boolean {
    const until = sentAt + session;
    if (Date.now() >= until) return false;
    this.lastHeartbeatOk = sentAt;
    this.leasesHeldUntil = until;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => void this.loseAll(`lease expired by the local clock: no heartbeat answer for ${session} ms`), until - Date.now());
    return true;
  }

  /**
   * The fetcher started (true) or stopped (false) waiting on its wake sockets. Idle, the heartbeat due
   * next already names the idle session, and the ones after it come at the idle interval. Busy again,
   * a heartbeat with the busy session goes at once (after one in flight, which named the idle one).
   * Settles only once a heartbeat naming the busy session has been answered: a failed one is retried at
   * the busy interval, as heartbeats are, so that no record is handled while the server still holds the
   * idle session's longer failover (G4).
   */
  private async setIdle(idle: boolean): Promise<void> {
    if (this.stopped || idle === this.idle) return;
    this.idle = idle;
    if (idle) return;
    if (!this.busySession) {
      let settle!: () => void;
      const heard = new Promise<void>((resolve) => (settle = resolve));
      this.busySession = { heard, settle };
    }
    const { heard } = this.busySession;
    if (!this.heartbeatTimer) await this.beating?.catch(() => {});
    this.heartbeatNow();
    await heard;
  }

  /** A join or heartbeat naming the busy session was answered in time: records held for it may go. */
  private busySessionHeard(): void {
    this.busySession?.settle();
    this.busySession = undefined;
  }

  /** Whether the leases are surely still ours, by the local clock; checked before every record. */
  private leasesHeld(): boolean {
    return Date.now() < this.leasesHeldUntil;
  }

  private scheduleHeartbeat(answer?: HeartbeatAnswer): void {
    if (this.stopped) return;
    // Partitions waiting for another member's handoff arrive within a fraction of the interval.
    const every = this.idle ? this.config.idleHeartbeatInterval : this.config.heartbeatInterval;
    const interval = answer?.pending.length ? Math.min(every, 250) : every;
    // A fixed rate, counted from the last send: a slow answer must not stretch the interval (G4).
    const wait = Math.max(0, interval - (Date.now() - this.lastHeartbeatSent));
    this.heartbeatTimer = setTimeout(() => {
      // In flight now: heartbeatNow must not start a second one beside it.
      this.heartbeatTimer = undefined;
      this.beating = this.heartbeat();
    }, wait);
  }

  private async heartbeat(): Promise<void> {
    let answer: HeartbeatAnswer | undefined;
    // The server renewed the session after this moment, so counting from it never overestimates our lease.
    const sentAt = Date.now();
    this.lastHeartbeatSent = sentAt;
    const busy = !this.idle;
    const session = busy ? this.config.sessionTimeout : this.config.idleSessionTimeout;
    try {
      answer = await this.group.heartbeat(this.memberId, session);
      // A late answer (a stalled process, say) may predate a takeover: the next heartbeat asks afresh.
      if (this.heard(sentAt, session)) {
        if (busy) this.busySessionHeard();
        this.apply(answer, sentAt);
      } else await this.loseAll(`heartbeat answered after the session ran out (${session} ms)`);
    } catch (error) {
      if (this.stopped) return;
      if (isRunnelHttpError(error) && error.code === 'unknown_member') {
        // The server declared us dead: every lease is gone. Join again as a new member.
        await this.loseAll('session expired');
        try {
          await this.join();
        } catch {
          this.scheduleHeartbeat();
        }
        return;
      }
      // Without an answer for the whole session last renewed, the server has surely given our leases away.
      if (Date.now() >= this.leasesHeldUntil) await this.loseAll(`no heartbeat answer for ${Date.now() - this.lastHeartbeatOk} ms, past the session`);
    }
    this.scheduleHeartbeat(answer);
  }

  /** Reconciles the workers with the leases the server says we hold, as of a request sent at `sentAt`. */
  private apply(answer: HeartbeatAnswer, sentAt: number): void {
    if (this.stopped) return;
    // An answer older than one already applied says nothing new, and may list leases released since:
    // the server answers from its read of the group, taken before any release that raced it.
    if (sentAt < this.lastApplied) return;
    this.lastApplied = sentAt;
    // Answers to requests sent after a release know of it.
    for (const [k, at] of this.released) if (at < sentAt) this.released.delete(k);
    const assignments = answer.assignments.filter((a) => !this.released.has(`${key(a)}@${a.epoch}`));
    const held = new Map(assignments.map((a) => [key(a), a]));
    for (const [k, worker] of this.workers) {
      const lease = held.get(k);
      // A worker that stopped itself at the local lease expiry starts again from the committed offset;
      // one whose topic was deleted and re-created starts where the server says (as a new group would).
      if (!lease || lease.epoch !== worker.epoch || worker.lost || (lease.topicId && worker.topicId && lease.topicId !== worker.topicId)) {
        this.workers.delete(k);
        void worker.lose(lease ? 'it was taken over and given back with a new epoch' : 'another member holds it');
      }
    }
    for (const lease of assignments) {
      const k = key(lease);
      if (this.releasing.has(k)) continue;
      if (lease.handoff) void this.handOff(lease);
      else if (!this.workers.has(k)) this.startWorker(lease);
    }
  }

  private startWorker(lease: LeaseAssignment): void {
    const worker = new PartitionWorker(this.api, lease, this.workerSettings());
    const seek = this.seeks.get(key(lease));
    if (seek !== undefined) {
      this.seeks.delete(key(lease));
      worker.seek(seek);
    }
    worker.paused = this.isPaused(lease.topic, lease.partition);
    this.workers.set(key(lease), worker);
    this.fetcher.poke();
  }

  /** Graceful handoff (G5): finish the record in hand, commit, release; the next owner starts there. */
  private async handOff(lease: LeaseAssignment): Promise<void> {
    const k = key(lease);
    this.releasing.add(k);
    try {
      const worker = this.workers.get(k);
      if (worker) {
        await worker.stop();
        this.workers.delete(k);
      }
      const offset = worker?.position;
      await this.group.release(this.memberId, [
        offset === undefined || !worker ? { topic: lease.topic, partition: lease.partition, epoch: lease.epoch } : worker.fencedOffset(offset),
      ]);
      this.released.set(`${k}@${lease.epoch}`, Date.now());
    } catch (error) {
      // Fenced: the lease is not ours at that epoch any more. Unreachable: the next answer says whether it still is.
      if (isRunnelHttpError(error) && error.status >= 400 && error.status < 500) this.released.set(`${k}@${lease.epoch}`, Date.now());
    } finally {
      this.releasing.delete(k);
    }
  }

  private workerSettings(): WorkerSettings {
    return {
      eachMessage: this.run_!.eachMessage,
      eachBatch: this.run_!.eachBatch,
      eachBatchAutoResolve: this.run_!.eachBatchAutoResolve ?? true,
      ...this.retry,
      fromBeginning: this.fromBeginning,
      leasesHeld: () => this.leasesHeld(),
      deadLetter: (message, tp, error) => this.deadLetter(message, tp, error),
      commit: (worker) => this.commitPositions([worker]),
      pause: (topic, partition) => {
        this.pause([{ topic, partitions: [partition] }]);
        return () => this.resume([{ topic, partitions: [partition] }]);
      },
      ready: () => this.fetcher.poke(),
    };
  }

  private async deadLetter(message: KafkaMessage, tp: { topic: string; partition: number }, error: Error): Promise<void> {
    const dlq = this.config.deadLetterTopic;
    if (dlq) {
      const record = deadLetterRecord(message, { ...tp, offset: message.offset, consumer: { group: this.config.groupId }, error });
      await this.api.produce(dlq, JSON.stringify({ records: [record] }), { idempotent: false });
    }
    this.config.onDeadLetter?.({ ...tp, message, error });
  }

  /** Commits every position that moved; a fenced commit makes the next heartbeat come at once. */
  private async commitPositions(workers: PartitionWorker[] = [...this.workers.values()]): Promise<void> {
    const due = workers.filter((w) => !w.lost && w.position !== undefined && w.position !== w.committed);
    if (!due.length) return;
    const offsets: FencedOffset[] = due.map((w) => w.fencedOffset(w.position!));
    try {
      await this.group.commit(this.memberId, offsets);
      due.forEach((w, i) => (w.committed = offsets[i]!.offset));
    } catch (error) {
      if (isRunnelHttpError(error) && error.status === 409) {
        // The partitions not rejected were committed all the same: sending them again would be a billed write for nothing.
        const done = committedDespite(error);
        for (const [i, w] of due.entries()) if (done.has(key(w))) w.committed = offsets[i]!.offset;
        this.heartbeatNow();
      }
      throw error;
    }
  }

  private heartbeatNow(): void {
    if (this.stopped || !this.heartbeatTimer) return;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.beating = this.heartbeat();
  }

  /** Commits offsets (the next offset to read) of partitions this consumer holds, synchronously. */
  async commitOffsets(offsets: TopicPartitionOffsetInput[]): Promise<void> {
    const fenced: FencedOffset[] = offsets.map((o) => {
      const worker = this.workers.get(key(o));
      if (!worker || worker.lost) throw new Error(`commitOffsets: ${o.topic}[${o.partition}] is not assigned to this consumer`);
      return worker.fencedOffset(Number(o.offset));
    });
    if (!fenced.length) return;
    const recordCommitted = (o: FencedOffset) => {
      const worker = this.workers.get(key(o));
      if (worker && worker.epoch === o.epoch) worker.committed = Math.max(worker.committed ?? 0, o.offset);
    };
    try {
      await this.group.commit(this.memberId, fenced);
    } catch (error) {
      if (isRunnelHttpError(error) && error.status === 409) {
        const done = committedDespite(error);
        fenced.filter((o) => done.has(key(o))).forEach(recordCommitted);
      }
      throw error;
    }
    fenced.forEach(recordCommitted);
  }

  /** Moves the next offset to process; for a partition not held yet, applied when it is acquired. */
  seek({ topic, partition, offset }: TopicPartitionOffsetInput): void {
    const worker = this.workers.get(key({ topic, partition }));
    if (worker && !worker.lost) worker.seek(Number(offset));
    else this.seeks.set(key({ topic, partition }), Number(offset));
  }

  pause(topics: Array<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topics) {
      const current = this.pausedTopics.get(topic);
      if (!partitions) this.pausedTopics.set(topic, 'all');
      else if (current !== 'all') this.pausedTopics.set(topic, new Set([...(current ?? []), ...partitions]));
    }
    for (const w of this.workers.values()) if (!w.paused && this.isPaused(w.topic, w.partition)) w.pause();
  }

  resume(topics: Array<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topics) {
      const current = this.pausedTopics.get(topic);
      if (!partitions || current === undefined) this.pausedTopics.delete(topic);
      else if (current !== 'all') partitions.forEach((p) => current.delete(p));
    }
    for (const w of this.workers.values()) if (w.paused && !this.isPaused(w.topic, w.partition)) w.resume();
  }

  paused(): Array<{ topic: string; partitions: number[] }> {
    const out = new Map<string, number[]>();
    for (const w of this.workers.values()) if (w.paused) out.set(w.topic, [...(out.get(w.topic) ?? []), w.partition]);
    return [...out].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private isPaused(topic: string, partition: number): boolean {
    const p = this.pausedTopics.get(topic);
    return p === 'all' || (p?.has(partition) ?? false);
  }

  private async loseAll(reason: string): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.lose(reason)));
  }

  private stopTimers(): void {
    this.stopped = true;
    // Nothing more is heartbeated: the fetcher, stopping too, hands out none of the records it held.
    this.busySessionHeard();
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.expiryTimer);
    clearInterval(this.commitTimer);
  }

  /** Graceful: finish the records in hand, commit, and release every partition at once. */
  async disconnect(): Promise<void> {
    if (this.stopped) return;
    this.stopTimers();
    await this.fetcher.stop();
    await this.beating?.catch(() => {});
    const workers = [...this.workers.values()];
    await Promise.all(workers.map((w) => w.stop()));
    this.workers.clear();
    const offsets = workers
      .filter((w) => !w.lost && w.position !== undefined)
      .map((w) => w.fencedOffset(w.position!));
    try {
      await this.group.leave(this.memberId, offsets);
    } catch (error) {
      // Already expired or unreachable: the session timeout frees the leases instead.
      if (!isRunnelHttpError(error)) throw error;
    }
  }
}
