import { randomBytes } from 'node:crypto';
import { deadLetterRecord, errorText, type DeadRecord } from '../contract/dead-letter.js';
import { committedOffsetOf, type LeaseStore } from '../groups/lease-store.js';
import type { Head } from '../log/head-store.js';
import { OffsetOutOfRangeError, type PartitionLog, type ReadRecord } from '../log/partition-log.js';
import { logger } from '../observability/logger.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { encodeBatchEvent } from './batch-event.js';
import { IGNORE_DELIVERIES, type DeliveryObserver } from './delivery-observer.js';
import { commitPoint, type BatchVerdict } from './batch-response.js';
import { afterFailure } from './retry-policy.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, MAX_TARGET_TIMEOUT_MS, type DeliveryFailure, type Subscription } from './subscription.js';
import type { LeaseHold, SubscriptionStore } from './subscription-store.js';
import { createTarget, isDeliveryError, type Target, type TargetDeps } from './targets/index.js';
import { TargetUnavailableError } from './targets/errors.js';

/** Writes a dead-letter record: the produce path, typed (see lib/contract/dead-letter.ts). */
export type DeadLetterWriter = (topic: string, record: ReturnType<typeof deadLetterRecord>) => Promise<void>;

export interface DispatcherOptions {
  /** How long a taken lease lasts before another dispatcher may take it; renewed while delivering. */
  leaseMs: number;
  /** Time left in this process's budget (a Lambda's remaining time); Infinity in a long-running process. */
  remainingMs: () => number;
  /** A retry due later than this process can wait is left as state; with timers, a local timer resumes it. */
  timers: boolean;
  /** What the event's `bootstrapServers` says: where the records came from. */
  source: string;
  /** The largest event: Lambda's synchronous request payload limit, less room for framing. */
  maxEventBytes: number;
  /** Told of every delivery, acknowledgement, failure and dead letter: the dispatcher's metrics on Lambda. */
  observer: DeliveryObserver;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  leaseMs: 60_000,
  remainingMs: () => Infinity,
  timers: false,
  source: 'runnel',
  maxEventBytes: 6 * 1024 * 1024 - 64 * 1024,
  observer: IGNORE_DELIVERIES,
};

/** Time kept back from the budget for committing and releasing after the last delivery. */
const BUDGET_MARGIN_MS = 2_000;

export interface DispatcherDeps {
  topics: TopicStore;
  log: PartitionLog;
  leases: LeaseStore;
  store: SubscriptionStore;
  deadLetter: DeadLetterWriter;
  targets: TargetDeps;
  clock?: () => number;
}

/**
 * A partition that had a commit: by topic name (a caller that produced), or by topic id (what the log
 * table and its stream know: a head item's key is `<topicId>#<partition>`).
 */
export type WakeRef = { topic: string; partition: number } | { topicId: string; partition: number; head?: Head };

/** Why a partition's delivery run ended, for tests and logs. */
export type RunEnd = 'caught_up' | 'paused' | 'gone' | 'busy' | 'fenced' | 'retry_later' | 'budget';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function toDeadRecord(r: ReadRecord): DeadRecord {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of r.headers) headers[k] = v;
  return {
    key: r.key === null ? null : r.keyIsBinary ? r.key : Buffer.from(r.key).toString('utf8'),
    value: r.value === null ? null : r.valueIsBinary ? r.value : JSON.parse(Buffer.from(r.value).toString('utf8')),
    headers,
  };
}

/**
 * Delivers committed records to push subscriptions. A commit wakes it (`wake`); nothing else does, so
 * while nothing is produced it makes no request at all (S5). For each (subscription, partition) woken
 * it takes the group's lease with a new epoch (S3), reads from the committed offset in batches, invokes
 * the target, commits what was acknowledged (fenced by the epoch), retries with backoff, dead-letters
 * after the last attempt (S4), and releases the lease.
 */
export class Dispatcher {
  /** The lease owner this dispatcher writes: never a valid member id (those have no "#"). */
  readonly id = `#dispatcher-${randomBytes(6).toString('hex')}`;
  private readonly options: DispatcherOptions;
  private readonly clock: () => number;
  private readonly runs = new Map<string, { done: Promise<void>; again: boolean }>();
  private readonly wakes = new Map<string, { done: Promise<void>; again: boolean }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly targetCache = new Map<string, { json: string; target: Target }>();
  private closed = false;

  constructor(
    private readonly deps: DispatcherDeps,
    options: Partial<DispatcherOptions> = {},
  ) {
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...options };
    this.clock = deps.clock ?? Date.now;
  }

  /**
   * Delivers what is pending on these partitions to every subscription of their topics. Resolves when
   * the deliveries it started (or joined) have ended. Safe to call for every commit: a partition already
   * being delivered in this process is only marked to be looked at again.
   */
  async wake(partitions: readonly WakeRef[]): Promise<void> {
    const unique = new Map(partitions.map((p) => ['topic' in p ? `t:${p.topic}#${p.partition}` : `i:${p.topicId}#${p.partition}`, p]));
    await Promise.all([...unique].map(([key, p]) => this.coalesced(key, p)));
  }

  /**
   * A wake for a partition while one is reading its head only marks it to be read again after: under a
   * stream of commits the heads are read once per round, not once per commit.
   */
  private coalesced(key: string, ref: WakeRef): Promise<void> {
    return this.rerun(this.wakes, key, async (first) => {
      await this.wakePartition(ref, first).catch((error) => logger.error('dispatch failed', { error, topic: 'topic' in ref ? ref.topic : ref.topicId, partition: ref.partition }));
      return false;
    });
  }

  /**
   * Runs `round` for `key` unless a run for it is under way, in which case that run goes round once
   * more when it ends; a round may ask for another itself. Resolves when the run ends.
   */
  private rerun(runs: Map<string, { done: Promise<void>; again: boolean }>, key: string, round: (first: boolean) => Promise<boolean>): Promise<void> {
    const running = runs.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { done: Promise.resolve(), again: false };
    entry.done = (async () => {
      try {
        let first = true;
        do {
          entry.again = false;
          if (await round(first)) entry.again = true;
          first = false;
        } while (entry.again && !this.closed);
      } finally {
        runs.delete(key);
      }
    })();
    runs.set(key, entry);
    return entry.done;
  }

  private async wakePartition(ref: WakeRef, first: boolean): Promise<void> {
    if ('topic' in ref) {
      const topic = await this.deps.topics.find(ref.topic);
      if (!topic || ref.partition >= topic.partitions) return;
      const head = await this.readHead(topic, ref.partition);
      if (!head) return;
      await Promise.all(head.subscribers.map((name) => this.run({ name, topic, partition: ref.partition, head })));
      return;
    }
    // A head the commit itself returned saves a read; a coalesced round reads afresh, the head having moved.
    const head = (first ? ref.head : undefined) ?? (await this.readHead({ topicId: ref.topicId }, ref.partition));
    if (!head) return;
    await Promise.all(
      head.subscribers.map(async (name) => {
        // The head names its subscriptions; each names its topic, which must still be this incarnation.
        const sub = await this.deps.store.get(name);
        const topic = sub && sub.topicId === ref.topicId ? await this.deps.topics.find(sub.topic) : undefined;
        if (topic && topic.topicId === ref.topicId) await this.run({ name, topic, partition: ref.partition, head });
      }),
    );
  }

  private async readHead(topic: Pick<Topic, 'topicId'>, partition: number): Promise<Head | undefined> {
    try {
      return await this.deps.log.head({ topicId: topic.topicId, partition });
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e;
    }
  }

  /** One run at a time per (subscription, partition) in this process; a wake during a run makes it go round again. */
  run({ name, topic, partition, head }: { name: string; topic: Topic; partition: number; head?: Head }): Promise<void> {
    return this.rerun(this.runs, `${name}\u0000${topic.name}\u0000${partition}`, async (first) => {
      const end = await this.deliverPartition({ name, topic, partition, headHint: first ? head : undefined });
      if (end !== 'caught_up') return false;
      // Released: a commit that a busy wake missed while we held the lease is seen now.
      const after = await this.readHead(topic, partition);
      const state = after && (await this.deps.store.delivery(name, { topic: topic.name, partition }));
      const committed = committedOffsetOf(state ?? undefined, topic.topicId);
      return after !== undefined && committed !== undefined && committed < after.nextOffset && !(state?.nextAttemptAt && state.nextAttemptAt > this.clock());
    });
  }

  /** Resumes every partition whose retry is due, or that has records and no run: what scheduled maintenance calls. */
  async resumeDue(): Promise<number> {
    let resumed = 0;
    const now = this.clock();
    for (const sub of await this.deps.store.list()) {
      if (sub.state !== 'active') continue;
      const topic = await this.deps.topics.find(sub.topic);
      if (!topic || topic.topicId !== sub.topicId) continue;
      const states = await this.deps.topics.partitionStates(topic);
      const deliveries = new Map((await this.deps.store.deliveries(sub.name)).map((d) => [d.partition, d]));
      const runs: Array<Promise<void>> = [];
      for (const s of states) {
        const d = deliveries.get(s.partition);
        const committed = committedOffsetOf(d, topic.topicId) ?? s.logStartOffset;
        const due = d?.nextAttemptAt === undefined || d.nextAttemptAt <= now;
        const free = !d?.owner || (d.expiresAt ?? 0) <= now;
        if (committed < s.highWatermark && due && free) {
          resumed++;
          runs.push(this.run({ name: sub.name, topic, partition: s.partition }));
        }
      }
      await Promise.all(runs);
    }
    return resumed;
  }

  /** Stops timers and lets runs end at their next step. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private target(sub: Subscription): Target {
    const json = JSON.stringify(sub.target);
    const cached = this.targetCache.get(sub.name);
    if (cached && cached.json === json) return cached.target;
    const target = createTarget(sub.target, this.deps.targets);
    this.targetCache.set(sub.name, { json, target });
    return target;
  }

  private scheduleResume({ name, topic, partition, at }: { name: string; topic: Topic; partition: number; at: number }): void {
    if (!this.options.timers || this.closed) return;
    const key = `${name}\u0000${topic.name}\u0000${partition}`;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.run({ name, topic, partition }).catch((error) => logger.error('resumed dispatch failed', { error, name, partition }));
    }, Math.max(0, at - this.clock()));
    timer.unref();
    this.timers.set(key, timer);
  }

  private budgetLeft(): number {
    return this.options.remainingMs() - BUDGET_MARGIN_MS;
  }

  /** One run over one (subscription, partition): lease, deliver until caught up (or stopped), release. */
  private async deliverPartition({ name, topic, partition, headHint }: { name: string; topic: Topic; partition: number; headHint?: Head }): Promise<RunEnd> {
    const sub = await this.deps.store.get(name);
    if (!sub || sub.topicId !== topic.topicId) return 'gone';
    if (sub.state !== 'active') return 'paused';
    const tp = { topic: topic.name, partition };
    const head = headHint ?? (await this.readHead(topic, partition));
    if (!head) return 'gone';
    const state = await this.deps.store.delivery(name, tp);
    const committed = committedOffsetOf(state, topic.topicId) ?? head.logStartOffset;
    // Nothing pending: no write at all.
    if (committed >= head.nextOffset) return 'caught_up';
    const now = this.clock();
    if (state?.nextAttemptAt !== undefined && state.nextAttemptAt > now) {
      this.scheduleResume({ name, topic, partition, at: state.nextAttemptAt });
      return 'retry_later';
    }
    const taken = await this.deps.leases.acquire(name, tp, { seenEpoch: state?.epoch, memberId: this.id, now, expiresAt: now + this.options.leaseMs });
    // Another dispatcher holds it: it looks at the head again after it releases, and finds these records.
    if (!taken) return 'busy';
    const hold: LeaseHold = { owner: this.id, epoch: taken.epoch };
    try {
      return await this.deliverHeld({ first: sub, topic, partition, hold, leaseExpiresAt: taken.expiresAt ?? now + this.options.leaseMs });
    } finally {
      await this.deps.leases.release({ group: name, tp, memberId: this.id, epoch: hold.epoch }).catch((error) => logger.warn('lease release failed', { error, name, partition }));
    }
  }

  private async deliverHeld({ first, topic, partition, hold, leaseExpiresAt }: { first: Subscription; topic: Topic; partition: number; hold: LeaseHold; leaseExpiresAt: number }): Promise<RunEnd> {
    const { store, log, leases } = this.deps;
    const name = first.name;
    const tp = { topic: topic.name, partition };
    const ref = { topicId: topic.topicId, partition };
    // Read after taking the lease: the previous holder's last writes are final now (its epoch is fenced).
    const state = await store.delivery(name, tp);
    const initial = await this.readHead(topic, partition);
    if (!state || !initial) return 'gone';
    let committed = committedOffsetOf(state, topic.topicId) ?? initial.logStartOffset;
    let attempts = state.attempts;
    let sub = first;
    let windowWaited = false;
    for (let round = 0; ; round++) {
      if (this.closed) return 'budget';
      if (this.budgetLeft() <= 0) return 'budget';
      if (round > 0) {
        // Paused, deleted or changed mid-delivery: each batch goes by the subscription as it is now.
        const now = await store.get(name);
        if (!now || now.topicId !== topic.topicId) return 'gone';
        if (now.state !== 'active') return 'paused';
        sub = now;
      }
      if (leaseExpiresAt - this.clock() < this.options.leaseMs / 2) {
        const now = this.clock();
        const renewed = await leases.renewLease({
          group: name,
          lease: { ...tp, epoch: hold.epoch, expiresAt: leaseExpiresAt },
          memberId: hold.owner,
          now,
          expiresAt: now + this.options.leaseMs,
        });
        if (!renewed) return 'fenced';
        leaseExpiresAt = now + this.options.leaseMs;
      }
      // A record that failed is retried alone, so that its attempts are its own and a poison record is
      // isolated from the records after it.
      const limit = attempts > 0 ? 1 : sub.batchSize;
      let page;
      try {
        page = await log.read(ref, committed, { limit, maxBytes: this.options.maxEventBytes, waitMs: 0 });
      } catch (e) {
        if (!(e instanceof OffsetOutOfRangeError)) throw e;
        const { logStartOffset } = e.details as { logStartOffset: number };
        if (committed >= logStartOffset) return 'gone';
        // Retention removed records before they were delivered: move on, and say so (S2).
        const expired = logStartOffset - committed;
        const error: DeliveryFailure = { kind: 'expired', retriable: false, at: this.clock(), message: `retention removed offsets ${committed}–${logStartOffset - 1} before they were delivered` };
        if (!(await store.commit({ name, tp, hold, at: { offset: logStartOffset, topicId: topic.topicId, now: this.clock(), expired, error } }))) return 'fenced';
        logger.warn('subscription lagged past retention', { subscription: name, partition, expired });
        committed = logStartOffset;
        attempts = 0;
        continue;
      }
      if (page.records.length === 0) {
        if (page.nextOffset > committed) {
          // Offsets emptied by compaction: nothing to deliver, but the position moves past them.
          if (!(await store.commit({ name, tp, hold, at: { offset: page.nextOffset, topicId: topic.topicId, now: this.clock() } }))) return 'fenced';
          committed = page.nextOffset;
          continue;
        }
        return 'caught_up';
      }
      if (page.records.length < limit && sub.maxBatchingWindowMs > 0 && attempts === 0 && !windowWaited) {
        windowWaited = true;
        await sleep(Math.min(sub.maxBatchingWindowMs, Math.max(0, this.budgetLeft())));
        continue;
      }
      windowWaited = false;
      const encoded = encodeBatchEvent({ source: this.options.source, topic: topic.name, partition, records: page.records, maxBytes: this.options.maxEventBytes });
      const batch = page.records.slice(0, encoded.count);
      const offsets = batch.map((r) => r.offset);
      const observer = this.options.observer;
      observer.delivering(name, Math.max(0, this.clock() - batch[0]!.timestamp));
      const { verdict, error, retryAfterMs } = await this.deliverBatch({ sub, topic, partition, body: encoded.json, offsets });
      if (verdict.commitTo > committed) {
        if (!(await store.commit({ name, tp, hold, at: { offset: verdict.commitTo, topicId: topic.topicId, now: this.clock() } }))) return 'fenced';
        observer.delivered(name, offsets.filter((o) => o < verdict.commitTo).length);
        committed = verdict.commitTo;
        attempts = 0;
      }
      if (!verdict.failure || !error) continue;
      observer.failed(name);
      attempts++;
      const step = afterFailure(sub, attempts, retryAfterMs);
      const now = this.clock();
      if (step.kind === 'dead-letter') {
        const record = batch.find((r) => r.offset === committed)!;
        try {
          await this.deps.deadLetter(
            sub.deadLetterTopic,
            deadLetterRecord(toDeadRecord(record), { topic: topic.name, partition, offset: record.offset, consumer: { subscription: name }, error: error.message, attempts }),
          );
        } catch (e) {
          // The record stays where it is, and is tried again later: dropping it would lose it.
          const failure: DeliveryFailure = { kind: 'dead_letter_failed', retriable: true, at: now, message: `could not write to dead-letter topic "${sub.deadLetterTopic}": ${errorText(e)}` };
          const retryAt = now + sub.backoff.maxMs;
          if (!(await store.recordFailure({ name, tp, hold, at: { now, offset: committed, attempts: attempts - 1, error: failure, nextAttemptAt: retryAt } }))) return 'fenced';
          this.scheduleResume({ name, topic, partition, at: retryAt });
          return 'retry_later';
        }
        if (!(await store.commit({ name, tp, hold, at: { offset: record.offset + 1, topicId: topic.topicId, now, deadLettered: 1, error } }))) return 'fenced';
        observer.deadLettered(name);
        committed = record.offset + 1;
        attempts = 0;
        continue;
      }
      const retryAt = now + step.delayMs;
      if (!(await store.recordFailure({ name, tp, hold, at: { now, offset: committed, attempts, error, nextAttemptAt: retryAt } }))) return 'fenced';
      // Wait holding the lease only if the wait fits in the budget and the lease; otherwise leave the
      // retry as state (the lease released) for a timer or the maintenance run to pick up.
      if (step.delayMs < Math.min(this.budgetLeft(), this.options.leaseMs / 2)) {
        await sleep(step.delayMs);
        continue;
      }
      this.scheduleResume({ name, topic, partition, at: retryAt });
      return 'retry_later';
    }
  }

  /** Invokes the target; any failure becomes a verdict that commits nothing past the first record. */
  private async deliverBatch({ sub, topic, partition, body, offsets }: { sub: Subscription; topic: Topic; partition: number; body: string; offsets: number[] }): Promise<{ verdict: BatchVerdict; error?: DeliveryFailure; retryAfterMs?: number }> {
    const first = offsets[0]!;
    const last = offsets.at(-1)!;
    const configured = sub.target.type === 'webhook' ? (sub.target.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS) : MAX_TARGET_TIMEOUT_MS;
    const timeoutMs = Math.max(1, Math.min(configured, this.budgetLeft(), this.options.leaseMs / 2));
    // The same records get the same id on every retry: a receiver can drop a duplicate by it.
    const id = `${sub.name}-${topic.topicId}-${partition}-${first}-${last}`;
    let answer: unknown;
    try {
      answer = await this.target(sub).deliver({ id, body, timeoutMs });
    } catch (e) {
      const known = isDeliveryError(e);
      if (!known) logger.error('unexpected delivery failure', { error: e, subscription: sub.name });
      const error: DeliveryFailure = { kind: known ? e.kind : 'internal', retriable: known ? e.retriable : true, at: this.clock(), message: errorText(e) };
      const retryAfterMs = e instanceof TargetUnavailableError ? e.retryAfterMs : undefined;
      return { verdict: { commitTo: first, failure: { offset: first, reason: error.message } }, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    const verdict = commitPoint({ topic: topic.name, partition, offsets }, answer);
    if (!verdict.failure) return { verdict };
    return { verdict, error: { kind: 'batch_item_failure', retriable: true, at: this.clock(), message: verdict.failure.reason } };
  }
}
