import { encodeSegment, offsetDelta, type Compression } from '../codec/segment.js';
import type { StoredRecord } from '../codec/record.js';
import { RunnelError, conflict, notFound, unavailable } from '../errors.js';
import { AmbiguousWriteError } from './ambiguous-write.js';
import { formatEntry, placeEntries, type IndexEntry, type PlacedEntry } from './entry.js';
import { checkSequence, type AppendResult, type Chunk, type Head, type HeadStore, type ProducerBatch, type SequenceCheck } from './head-store.js';
import { IndexGapError } from './index-gap.js';
import { totalsCoverLog, whereTimestampReached, type ChunkProbe } from './index-search.js';
import { newSegmentId } from './segment-id.js';
import { SegmentMissingError, segmentKey, type SegmentStore } from './segment-store.js';
import type { TailNotifier } from './tail-notifier.js';
import { LruCache } from './lru.js';

/** A partition of a topic, addressed by the topic's id so that a re-created topic starts empty. */
export interface PartitionRef {
  topicId: string;
  partition: number;
}

export const partitionKey = (ref: PartitionRef) => `${ref.topicId}#${ref.partition}`;

export interface AppendOutcome {
  baseOffset: number;
  /** True when an idempotent producer's batch was already committed; nothing new was written. */
  duplicate: boolean;
}

export interface ReadRecord extends StoredRecord {
  offset: number;
}

export interface ReadResult {
  records: ReadRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface ReadOptions {
  limit: number;
  maxBytes: number;
  waitMs: number;
  signal?: AbortSignal;
}

export interface LogOptions {
  /** Entries the head holds before a roll; each append rewrites the head, so this bounds its write cost. */
  maxTailEntries: number;
  /**
   * When a long poll first re-reads the heads it waits on, to see appends made by other processes
   * (appends by this process wake it at once). Each gap after that is twice the one before, up to
   * `maxRereadGapMs`: a wait of W ms re-reads at most about log2(min(W, max) / first) + W / max times.
   */
  firstRereadMs: number;
  maxRereadGapMs: number;
  /**
   * Keep each batch this process appends in the segment cache, so a fetch served by the same process
   * reads it without a GET. Pointless where produce and fetch run in different functions.
   */
  cacheAppends: boolean;
}

export const DEFAULT_LOG_OPTIONS: LogOptions = { maxTailEntries: 16, firstRereadMs: 200, maxRereadGapMs: 2000, cacheAppends: true };

/**
 * How long an append keeps contending for a full head. Each lost race means other writers committed,
 * so the log is making progress; the budget only bounds one writer's bad luck under heavy contention.
 */
const APPEND_BUDGET_MS = 10_000;

/**
 * What a process has seen of a partition's head before an append: a lower bound for where the append
 * can land. See PartitionLog.findCommitted.
 */
interface Anchor {
  tailBase: number;
  nextOffset: number;
}

/** An anchor (see PartitionLog.anchorFor) older than this is refreshed by reading the head before an append. */
const ANCHOR_MAX_AGE_MS = 60_000;

/** Bounds the S3 GETs one fetch issues at once. */
const MAX_SEGMENTS_PER_READ = 32;

/** How many times one fetch goes on past offsets that compaction emptied before answering with none. */
const MAX_GAP_READS = 8;

export class OffsetOutOfRangeError extends RunnelError {
  constructor(offset: number, logStartOffset: number, highWatermark: number) {
    super({
      status: 416,
      code: 'offset_out_of_range',
      message: `offset ${offset} is outside [${logStartOffset}, ${highWatermark}]`,
      details: { offset, logStartOffset, highWatermark },
    });
  }
}

export interface SequenceRefusalOptions {
  partition: number;
  producer: ProducerBatch;
  count: number;
  check: Extract<SequenceCheck, { kind: 'out_of_order' | 'mismatched_retry' }>;
}

/** The 409 for an idempotent batch whose sequence the partition refuses. */
export function sequenceRefusal(
  {
    partition,
    producer,
    count,
    check,
  }: SequenceRefusalOptions,
): RunnelError {
  if (check.kind === 'out_of_order') {
    return conflict(
      'out_of_order_sequence',
      `producer ${producer.id}: sequence ${producer.sequence} on partition ${partition} is not above the last committed ${check.lastSequence}`,
    );
  }
  const committed = `${check.committed.count} record${check.committed.count === 1 ? '' : 's'}`;
  return conflict(
    'mismatched_retry',
    `producer ${producer.id}: the batch at sequence ${producer.sequence} on partition ${partition} was committed with ${committed}; ` +
      `this one has ${count}. A retry must repeat the original batch exactly; new records need sequences above ${check.committed.lastSequence}`,
  );
}

export interface PartitionLogOptions {
  heads: HeadStore;
  segments: SegmentStore;
  notifier: TailNotifier;
  options?: LogOptions;
}

/**
 * The partition log protocol of docs/log-protocol (shared design note): PUT the segment under a fresh
 * key, then append its entry to the head in one conditional UpdateItem that hands out the offsets.
 */
export class PartitionLog {
  private readonly chunks = new LruCache<string, Chunk>(4096);
  /** Per partition, the highest tail base and next offset this process has seen, and when (see anchorFor). */
  private readonly anchors = new LruCache<string, Anchor & { seenAt: number }>(4096);
  /**
   * Partitions whose tail one of this process's appends found at `maxTailEntries` or longer: the next
   * append here rolls it first, alongside its segment PUT (see dueRoll).
   */
  private readonly rollsDue = new LruCache<string, true>(4096);
  /** The roll this process has in flight on each partition; its appends there wait for it (see dueRoll). */
  private readonly rolling = new Map<string, Promise<void>>();

  private readonly heads: HeadStore;
  private readonly segments: SegmentStore;
  private readonly notifier: TailNotifier;
  private readonly options: LogOptions;

  constructor({ heads, segments, notifier, options = DEFAULT_LOG_OPTIONS }: PartitionLogOptions) {
    this.heads = heads;
    this.segments = segments;
    this.notifier = notifier;
    this.options = options;
  }

  /**
   * Writes one batch as one segment object and commits it. Returns the batch's base offset; for an
   * idempotent producer's retried batch, the base offset it was first committed at.
   *
   * The segment object is deleted only when its entry is known not to be committed: never after an
   * append whose outcome was unknown, where an unreferenced object is left to the orphan sweep.
   */
  async append({ ref, records, compression, producer }: { ref: PartitionRef; records: StoredRecord[]; compression: Compression; producer?: ProducerBatch }): Promise<AppendOutcome> {
    const pk = partitionKey(ref);
    const segmentId = newSegmentId();
    const key = segmentKey(ref.topicId, ref.partition, segmentId);
    const body = encodeSegment(records, compression);
    const roll = this.dueRoll(pk);
    try {
      await this.segments.put(key, body);
    } finally {
      // Within this request, not after its answer: on Lambda nothing runs once the handler returns.
      await roll;
    }
    const entry = {
      segmentId,
      count: records.length,
      bytes: body.byteLength,
      maxTimestamp: records.reduce((m, r) => Math.max(m, r.timestamp), 0),
    };
    let anchor = await this.anchorFor(pk);
    let uncertain = false;
    const discard = () => (uncertain ? Promise.resolve() : this.discard(key));
    const deadline = Date.now() + APPEND_BUDGET_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      let result: AppendResult;
      try {
        result = await this.heads.append({ pk, entry, maxTail: this.hardTailLimit, producer });
      } catch (e) {
        if (!(e instanceof AmbiguousWriteError)) throw e;
        uncertain = true;
        const found = await this.findCommitted(ref, entry, anchor);
        if (found.baseOffset === undefined) {
          // Not committed: append the same entry again, from what this read saw.
          anchor = this.noteHead(pk, found.head);
          continue;
        }
        result = { kind: 'appended', baseOffset: found.baseOffset, head: found.head };
      }
      if (result.kind === 'appended' || result.kind === 'full') anchor = this.noteHead(pk, result.head);
      if (result.kind === 'appended') {
        if (this.options.cacheAppends) this.segments.remember(key, { records, span: records.length });
        this.notifier.notify(pk, result.head);
        const rolledNow = result.head.tail.length >= this.rollOnPathAt && (await this.heads.roll(pk, result.head).catch(() => false));
        this.noteTailLength(pk, rolledNow ? 0 : result.head.tail.length);
        return { baseOffset: result.baseOffset, duplicate: false };
      }
      if (result.kind === 'duplicate') {
        await discard();
        return { baseOffset: result.baseOffset, duplicate: true };
      }
      if (result.kind === 'out_of_order' || result.kind === 'mismatched_retry') {
        await discard();
        throw sequenceRefusal({ partition: ref.partition, producer: producer!, count: records.length, check: result });
      }
      if (result.kind === 'missing') throw notFound('unknown_partition', `partition ${ref.partition} no longer exists`);
      if (result.head.tail.length >= this.hardTailLimit) await this.rollOnce(pk, () => this.heads.roll(pk, result.head));
      // After a few lost races, jitter so that the writers that keep colliding at a roll spread out.
      if (attempt >= 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** attempt)));
    }
    await discard();
    throw unavailable(`could not append to partition ${ref.partition} within ${APPEND_BUDGET_MS} ms: too many concurrent writers`);
  }

  /**
   * Refuses (409) an idempotent request spanning several partitions if any of them would refuse its
   * batch, before anything is written, so that a refused request writes nothing (L5). It reads the
   * heads once, in one BatchGetItem. Each append still checks its own sequence atomically; only
   * another request of the same producer id racing this one can get between the two.
   */
  async checkSequences(topicId: string, producerId: string, batches: Array<{ partition: number; sequence: number; count: number }>): Promise<void> {
    const states = await this.heads.readProducer(
      batches.map(({ partition }) => partitionKey({ topicId, partition })),
      producerId,
    );
    for (const { partition, sequence, count } of batches) {
      const check = checkSequence(states.get(partitionKey({ topicId, partition })), sequence, count);
      if (check.kind === 'out_of_order' || check.kind === 'mismatched_retry') {
        throw sequenceRefusal({ partition, producer: { id: producerId, sequence }, count, check });
      }
    }
  }

  /**
   * After an append whose answer was lost: where its entry committed, if it did. The entry string is
   * unique (segment ids are). It is in the tail, or a roll has since moved it into a chunk whose base
   * is at least the anchor's tail base (seen before the attempt: tail bases only grow) and below the
   * current tail base. Absent from both, it was not committed.
   */
  private async findCommitted(ref: PartitionRef, entry: IndexEntry, anchor: Anchor): Promise<{ baseOffset?: number; head: Head }> {
    const pk = partitionKey(ref);
    const head = await this.heads.read(pk);
    if (!head) throw notFound('unknown_partition', `partition ${ref.partition} no longer exists`);
    const formatted = formatEntry(entry);
    const inTail = placeEntries(head.tailBase, head.tail).find((e) => formatEntry(e) === formatted);
    if (inTail) return { baseOffset: inTail.baseOffset, head };
    // A commit would be at or above the anchor's next offset. Retention deletes only chunks wholly below
    // the log start, so unless the log start has passed that offset, the chunk that would hold the entry is there.
    if (head.logStartOffset > anchor.nextOffset) {
      throw unavailable('could not tell whether the append committed: retention has passed it; retry the request');
    }
    let rewritten = false;
    const chunks = await this.heads.chunksBetween(pk, anchor.tailBase, head.tailBase);
    // A rewrite replaces a run of chunks by one at the run's first base, which may lie below the anchor.
    if (anchor.tailBase > 0 && anchor.tailBase < head.tailBase) {
      const below = await this.heads.chunkContaining(pk, anchor.tailBase - 1);
      if (below?.gen !== undefined && below.nextBase > anchor.tailBase) chunks.unshift(below);
    }
    for (const chunk of chunks) {
      const placed = placeEntries(chunk.base, chunk.entries).find((e) => formatEntry(e) === formatted);
      if (placed) return { baseOffset: placed.baseOffset, head };
      // A compaction or merge renames the entries it rewrites. It leaves recent segments alone
      // (docs/compaction.md, settleMs), but should it have rewritten where this entry could be, the
      // entry cannot be told apart from absent. Appending it again would commit the same segment a
      // second time, and the rewrite deletes that segment after its delay: say so instead.
      if (chunk.gen !== undefined && chunk.nextBase > anchor.nextOffset) rewritten = true;
    }
    if (rewritten) throw unavailable('could not tell whether the append committed: a compaction or merge rewrote the index since; retry the request');
    return { head };
  }

  /**
   * What this process has seen of the partition's head: a lower bound for where its next append can
   * land. Kept up to date by appends and reads, and read from the head when this process has not seen
   * the partition for ANCHOR_MAX_AGE_MS: an old anchor would make finding out an ambiguous append's
   * outcome Query every chunk rolled since, or fail once retention has passed it.
   */
  private async anchorFor(pk: string): Promise<Anchor> {
    const known = this.anchors.get(pk);
    if (known && Date.now() - known.seenAt < ANCHOR_MAX_AGE_MS) return known;
    const head = await this.heads.read(pk);
    return this.noteHead(pk, head ?? { tailBase: 0, nextOffset: 0 });
  }

  private noteHead(pk: string, head: Anchor): Anchor {
    const known = this.anchors.get(pk);
    const anchor = { tailBase: Math.max(head.tailBase, known?.tailBase ?? 0), nextOffset: Math.max(head.nextOffset, known?.nextOffset ?? 0) };
    this.anchors.set(pk, { ...anchor, seenAt: Date.now() });
    return anchor;
  }

  /**
   * A roll moves the tail into a chunk (HeadStore.roll: a chunk PutItem, then a conditional reset). An
   * append that finds the tail at `maxTailEntries` or longer does not roll on its own request's path:
   * it marks the partition, and this process's next append there rolls first, alongside its segment
   * PUT, which takes longer than the roll's three DynamoDB calls. See docs/log-protocol.md, *Roll*.
   */
  private noteTailLength(pk: string, tailLength: number): void {
    if (tailLength >= this.options.maxTailEntries) this.rollsDue.set(pk, true);
    else this.rollsDue.delete(pk);
  }

  /**
   * The roll this append waits for before its own: the one due on the partition, started now, or one
   * another append of this process has in flight (waiting keeps this process's appends from failing
   * its reset). It reads the head first, strongly consistent, so that it copies the tail as it is now
   * rather than as the marking append saw it. It never fails: a roll that loses to an append or to
   * another roller changes nothing, and the next append to see a long tail marks it due again.
   */
  private dueRoll(pk: string): Promise<void> {
    const inFlight = this.rolling.get(pk);
    if (inFlight || !this.rollsDue.get(pk)) return inFlight ?? Promise.resolve();
    this.rollsDue.delete(pk);
    return this.rollOnce(pk, async () => {
      const head = await this.heads.read(pk);
      if (!head) return;
      this.noteHead(pk, head);
      if (head.tail.length >= this.options.maxTailEntries) await this.heads.roll(pk, head);
    }).catch(() => undefined);
  }

  /**
   * Runs `roll` unless this process already has a roll of the partition in flight, which it waits for
   * instead: of the writers refused at the hard limit, or due to roll, one per process rolls (they
   * would all copy the same full tail, and all but one reset fail). Only the writer that started it
   * sees its error; the others retry their appends, and one refused again rolls again.
   */
  private rollOnce(pk: string, roll: () => Promise<unknown>): Promise<void> {
    const inFlight = this.rolling.get(pk);
    if (inFlight) return inFlight;
    const started = roll().then(() => undefined);
    const settled: Promise<void> = started
      .catch(() => undefined)
      .finally(() => {
        if (this.rolling.get(pk) === settled) this.rolling.delete(pk);
      });
    this.rolling.set(pk, settled);
    return started;
  }

  /**
   * A tail half as long again as the threshold means the rolls due have not landed (their writers died,
   * or lost every reset to appends): the append that sees it rolls before answering, from the head its
   * append returned. Appends are refused only at twice the threshold (hardTailLimit).
   */
  private get rollOnPathAt(): number {
    const max = this.options.maxTailEntries;
    return max + Math.ceil(max / 2);
  }

  /** The tail length at which a roll is due (LogOptions.maxTailEntries). */
  get rollThreshold(): number {
    return this.options.maxTailEntries;
  }

  private get hardTailLimit(): number {
    return 2 * this.options.maxTailEntries;
  }

  /** Deletes a segment that was written but will never be committed; if that fails it is only garbage. */
  private async discard(key: string): Promise<void> {
    await this.segments.delete(key).catch(() => undefined);
  }

  async head(ref: PartitionRef): Promise<Head> {
    const head = await this.heads.read(partitionKey(ref));
    if (!head) throw notFound('unknown_partition', `partition ${ref.partition} does not exist`);
    this.noteHead(partitionKey(ref), head);
    return head;
  }

  /**
   * Waits until any of the partitions has records at or past the `nextOffset` given for it, for at
   * most `waitMs`, and answers the heads that show it (keyed by partitionKey); none if the time ran
   * out. An append by this process wakes it at once; appends by others are seen by re-reading the
   * heads, a bounded number of times at growing gaps (LogOptions), never in a tight loop: inside
   * Lambda a waiting fetch is billed by the millisecond, and each re-read of N heads is N GetItems.
   * Waiters on one partition share each re-read.
   */
  async awaitAppend(tails: ReadonlyArray<{ ref: PartitionRef; nextOffset: number }>, waitMs: number, signal?: AbortSignal): Promise<Map<string, Head>> {
    const moved = new Map<string, Head>();
    const pks = tails.map((t) => partitionKey(t.ref));
    const deadline = Date.now() + waitMs;
    // The caller read the heads just before it called.
    let lastRead = Date.now();
    for (let gap = this.options.firstRereadMs; !signal?.aborted; gap = Math.min(2 * gap, this.options.maxRereadGapMs)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const appended = await this.notifier.waitAny(pks, Math.min(left, gap), signal);
      if (signal?.aborted || (appended === undefined && Date.now() >= deadline)) break;
      // After a local append, that partition alone; at the end of a gap, every one. A shared read may
      // have started before this fetch's own first read: a head no further than the one in hand is no news.
      const due = appended === undefined ? tails : tails.filter((t) => partitionKey(t.ref) === appended);
      // A read another waiter started since our last one is as good as a read of our own.
      const since = lastRead;
      lastRead = Date.now();
      const heads = await Promise.all(due.map((t) => this.notifier.shared({ pk: partitionKey(t.ref), since, keepMs: this.options.maxRereadGapMs, check: () => this.head(t.ref) })));
      heads.forEach((head, i) => head.nextOffset > due[i]!.nextOffset && moved.set(partitionKey(due[i]!.ref), head));
      if (moved.size) break;
    }
    return moved;
  }

  async read(ref: PartitionRef, offset: number, opts: ReadOptions): Promise<ReadResult> {
    const pk = partitionKey(ref);
    let head = await this.head(ref);
    if (offset < head.logStartOffset || offset > head.nextOffset) {
      throw new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
    }
    if (offset === head.nextOffset && opts.waitMs > 0) {
      head = (await this.awaitAppend([{ ref, nextOffset: head.nextOffset }], opts.waitMs, opts.signal)).get(pk) ?? head;
    }
    let page: { records: ReadRecord[]; nextOffset: number } | undefined;
    for (let attempt = 1; !page; attempt++) {
      try {
        page = await this.readPastGaps({ ref, head, offset, opts, fresh: attempt > 1 });
      } catch (e) {
        // A compaction or merge swapped the index under this read (or under this process's cached
        // chunks) and its old segments are gone: read the index afresh once before giving up.
        if (attempt > 1 || !(e instanceof IndexGapError || e instanceof SegmentMissingError)) throw await this.explainVanished(ref, offset, e);
        head = await this.head(ref);
        if (offset < head.logStartOffset) throw new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
      }
    }
    return { records: page.records, nextOffset: page.nextOffset, highWatermark: head.nextOffset, logStartOffset: head.logStartOffset };
  }

  /**
   * Reads from `offset`, past offsets that compaction emptied: a read that finds only gaps goes on
   * from where they end (up to MAX_GAP_READS times), so a consumer is not handed an empty answer while
   * records lie further on. `nextOffset` is the offset after the last one this read covered.
   */
  private async readPastGaps({ ref, head, offset, opts, fresh }: { ref: PartitionRef; head: Head; offset: number; opts: ReadOptions; fresh: boolean }): Promise<{ records: ReadRecord[]; nextOffset: number }> {
    let page = await this.readFrom({ ref, head, offset, opts, fresh });
    for (let n = 1; page.records.length === 0 && page.nextOffset > offset && page.nextOffset < head.nextOffset && n < MAX_GAP_READS; n++) {
      offset = page.nextOffset;
      page = await this.readFrom({ ref, head, offset, opts, fresh });
    }
    return page;
  }

  private async readFrom({ ref, head, offset, opts, fresh }: { ref: PartitionRef; head: Head; offset: number; opts: ReadOptions; fresh: boolean }): Promise<{ records: ReadRecord[]; nextOffset: number }> {
    const records: ReadRecord[] = [];
    let bytes = 0;
    let nextOffset = offset;
    const entries = await this.entriesToRead({ pk: partitionKey(ref), head, offset, opts, fresh });
    // GET every segment the answer needs at once; a catch-up read should not pay one S3 round trip per segment.
    const segments = entries.map((entry) => this.segments.get(segmentKey(ref.topicId, ref.partition, entry.segmentId)));
    segments.forEach((s) => s.catch(() => undefined));
    fill: for (const [n, entry] of entries.entries()) {
      const segment = await segments[n]!;
      for (let i = 0; i < segment.records.length; i++) {
        const recordOffset = entry.baseOffset + offsetDelta(segment, i);
        if (recordOffset < offset) continue;
        const record = segment.records[i]!;
        const size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
        // Like Kafka, return at least one record, so one larger than maxBytes cannot stall a consumer.
        if (records.length > 0 && bytes + size > opts.maxBytes) break fill;
        records.push({ ...record, offset: recordOffset });
        nextOffset = recordOffset + 1;
        bytes += size;
        if (records.length >= opts.limit) break fill;
      }
      // The whole entry was read: offsets up to its end that hold no record were removed by compaction.
      nextOffset = entry.baseOffset + entry.count;
    }
    return { records, nextOffset };
  }

  /**
   * A chunk or segment a read needed was gone. Retention deletes only below the log start, and only
   * after a delay, so a read that outlives the delay is the likely cause: if the log start has moved
   * past `offset`, the answer is 416 with the new bounds, as Kafka answers. Anything else is reported
   * as it is; never a read that skips the missing part and answers with later records.
   */
  private async explainVanished(ref: PartitionRef, offset: number, error: unknown): Promise<unknown> {
    if (!(error instanceof IndexGapError || error instanceof SegmentMissingError)) return error;
    const head = await this.head(ref);
    if (offset < head.logStartOffset) return new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
    return error;
  }

  /** The entries a read can use: enough for `limit` records and, by their stored sizes, for `maxBytes`. */
  private async entriesToRead({ pk, head, offset, opts, fresh }: { pk: string; head: Head; offset: number; opts: ReadOptions; fresh: boolean }): Promise<PlacedEntry[]> {
    const entries: PlacedEntry[] = [];
    let count = 0;
    let bytes = 0;
    for await (const entry of this.entriesFrom({ pk, head, offset, fresh })) {
      entries.push(entry);
      count += entry.baseOffset + entry.count - Math.max(offset, entry.baseOffset);
      bytes += entry.bytes;
      if (count >= opts.limit || bytes > opts.maxBytes || entries.length >= MAX_SEGMENTS_PER_READ) break;
    }
    return entries;
  }

  /**
   * Index entries covering `offset` onwards, in offset order: chunks below the tail base, then the tail.
   * `fresh` reads every chunk from the table rather than this process's cache, whose chunks a
   * compaction or merge may have replaced since.
   */
  async *entriesFrom({ pk, head, offset, fresh = false }: { pk: string; head: Head; offset: number; fresh?: boolean }): AsyncGenerator<PlacedEntry> {
    let tailFrom = offset;
    if (offset < head.tailBase) {
      let chunk = await this.chunkContaining(pk, offset);
      if (!chunk || chunk.nextBase <= offset) throw new IndexGapError(pk, offset);
      for (;;) {
        for (const e of placeEntries(chunk.base, chunk.entries)) {
          if (e.baseOffset >= head.nextOffset) return;
          if (e.baseOffset + e.count > offset) yield e;
        }
        if (chunk.nextBase >= head.tailBase) break;
        const next: Chunk | undefined = await this.chunkAt(pk, chunk.nextBase, fresh);
        if (!next) throw new IndexGapError(pk, chunk.nextBase);
        chunk = next;
      }
      // The last chunk can reach past this head's tail base: since `head` was read, a roll moved that
      // tail into a chunk and a merge or compaction joined it to the one before. Its entries were
      // yielded above (the same offsets); the tail goes on only from where the chunk ends.
      tailFrom = chunk.nextBase;
    }
    for (const e of placeEntries(head.tailBase, head.tail)) if (e.baseOffset + e.count > tailFrom) yield e;
  }

  private async chunkAt(pk: string, base: number, fresh = false): Promise<Chunk | undefined> {
    const cacheKey = `${pk}@${base}`;
    const cached = fresh ? undefined : this.chunks.get(cacheKey);
    if (cached) return cached;
    const chunk = await this.heads.chunkAt(pk, base);
    if (chunk) this.chunks.set(cacheKey, chunk);
    return chunk;
  }

  private async chunkContaining(pk: string, offset: number): Promise<Chunk | undefined> {
    const chunk = await this.heads.chunkContaining(pk, offset);
    if (chunk) this.chunks.set(`${pk}@${chunk.base}`, chunk);
    return chunk;
  }

  /** One Query for the chunk holding `offset`, for the bounded index searches. */
  readonly probe = (pk: string): ChunkProbe => (offset) => this.chunkContaining(pk, offset);

  /**
   * The first offset whose record timestamp is ≥ `timestamp`, or the high watermark if there is none:
   * a binary search of the index (see index-search.ts), then one segment. If retention deletes what
   * the search is reading, it starts again from the new log start.
   */
  async offsetForTimestamp(ref: PartitionRef, timestamp: number): Promise<number> {
    const pk = partitionKey(ref);
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(ref);
      try {
        if (!totalsCoverLog(head)) return await this.walkForTimestamp(ref, head, timestamp);
        const reach = await whereTimestampReached({ pk, probe: this.probe(pk), head, timestamp });
        if (reach.at === 'start') return head.logStartOffset;
        if (reach.at === 'end') return head.nextOffset;
        const segment = await this.segments.get(segmentKey(ref.topicId, ref.partition, reach.entry.segmentId));
        const i = segment.records.findIndex((r) => r.timestamp >= timestamp);
        return i >= 0 ? reach.entry.baseOffset + offsetDelta(segment, i) : reach.entry.baseOffset + reach.entry.count;
      } catch (e) {
        if (attempt >= 3 || !(e instanceof IndexGapError || e instanceof SegmentMissingError)) throw e;
      }
    }
  }

  /** The lookup for a partition whose oldest chunks predate the index totals: entry by entry. */
  private async walkForTimestamp(ref: PartitionRef, head: Head, timestamp: number): Promise<number> {
    for await (const entry of this.entriesFrom({ pk: partitionKey(ref), head, offset: head.logStartOffset })) {
      if (entry.maxTimestamp < timestamp) continue;
      const segment = await this.segments.get(segmentKey(ref.topicId, ref.partition, entry.segmentId));
      const i = segment.records.findIndex((r) => r.timestamp >= timestamp);
      if (i >= 0 && entry.baseOffset + offsetDelta(segment, i) >= head.logStartOffset) return entry.baseOffset + offsetDelta(segment, i);
    }
    return head.nextOffset;
  }
}
