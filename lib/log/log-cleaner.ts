import { randomBytes } from 'node:crypto';
import { encodeSegment, offsetDelta, type DecodedSegment } from '../codec/segment.js';
import type { TopicConfig } from '../topics/topic-config.js';
import type { CleanerState, CleanerStore, GarbageBatch, SwapIntent } from './cleaner-store.js';
import { cleanableEnd, compactionDue, compactionSettings, compacts, latestOffsets, survives, type OffsetRecord } from './compaction.js';
import { placeEntries, type IndexEntry, type PlacedEntry } from './entry.js';
import type { Chunk, Head, HeadStore } from './head-store.js';
import { partitionKey, type PartitionRef } from './partition-log.js';
import { FILE_DELETE_DELAY_MS } from './retention.js';
import { newSegmentId, segmentIdTime } from './segment-id.js';
import { packSegments, reusable, type PackInput, type PackedPiece } from './segment-packing.js';
import { segmentKey, type SegmentStore } from './segment-store.js';

/**
 * The log cleaner: compaction (`cleanup.policy` compact) and the merging of small segments, run by the
 * maintenance job. Both rewrite a run of committed index chunks into one new chunk naming new segments,
 * through the swap of docs/compaction.md: new objects first, the swap recorded, one conditional PutItem
 * that replaces the first chunk, the covered chunks deleted, and the replaced objects deleted only after
 * the same delay as retention's, so that reads in flight finish.
 */

export interface CleanerOptions {
  /** Merged and compacted segments aim at this size. */
  targetSegmentBytes: number;
  /** Merge only segments written at least this long ago (by their id's time). */
  mergeAfterMs: number;
  /** Merge once at least this many old small segments have gathered (fewer, larger rewrites). */
  minMergeEntries: number;
  /**
   * Leave alone segments appended less than this long ago. A writer whose append's answer was lost
   * looks for its entry in the chunks rolled since (docs/log-protocol.md, *Ambiguous appends*); a
   * rewrite that renamed the entry meanwhile would make it append the batch again and then delete, as
   * garbage, the object its second entry names. No append outlives a Lambda's 15 minutes.
   * Nor is a chunk rewritten until this long after its roll: see rolledLongAgo.
   */
  settleMs: number;
}

export const DEFAULT_CLEANER_OPTIONS: CleanerOptions = {
  targetSegmentBytes: 4 * 1024 * 1024,
  mergeAfterMs: 15 * 60 * 1000,
  minMergeEntries: 64,
  settleMs: 15 * 60 * 1000,
};

/**
 * One rewrite's bounds: the entries it replaces (at worst the new chunk's entries, about 90 KB of a
 * chunk item's 400 KB, and the recorded swap's list of replaced ids, about 60 KB) and the bytes it reads.
 */
const MAX_GROUP_ENTRIES = 2048;
const MAX_GROUP_BYTES = 64 * 1024 * 1024;

/**
 * Replaced segment ids waiting out their delay, at most: about 230 KB of the cleaner's item, which
 * DynamoDB caps at 400 KB with the recorded swap. A run stops rewriting when the next swap would pass
 * it; the next run, once the delay is over, collects them and goes on.
 */
const MAX_PENDING_GARBAGE = 8192;

/** The lease outlives the run's budget by this much: a Lambda is killed at 15 minutes. */
const LEASE_MARGIN_MS = 15 * 60 * 1000;

/** Segment GETs and PUTs one rewrite has in flight. */
const IO_CONCURRENCY = 16;

export interface CleanerResult {
  /** Index swaps made (each replaced one or more chunks with one). */
  swaps: number;
  /** Whether a compaction pass ran to its end. */
  compacted: boolean;
  recordsRemoved: number;
  segmentsReplaced: number;
  segmentsWritten: number;
  bytesReplaced: number;
  bytesWritten: number;
  /** Replaced segments deleted after their delay. */
  garbageDeleted: number;
}

export interface CleanerRun {
  /** The maintenance clock: tombstone and compaction-lag ages, the lease, and the deletion delay. */
  clock: () => number;
  /** Wall-clock time after which no new rewrite starts. */
  deadline: number;
  options?: Partial<CleanerOptions>;
}

const emptyResult = (): CleanerResult => ({
  swaps: 0,
  compacted: false,
  recordsRemoved: 0,
  segmentsReplaced: 0,
  segmentsWritten: 0,
  bytesReplaced: 0,
  bytesWritten: 0,
  garbageDeleted: 0,
});

export interface LogCleanerOptions {
  heads: HeadStore;
  cleaner: CleanerStore;
  segments: SegmentStore;
  /**
   * The tail length at which writers roll (LogOptions.maxTailEntries). A tail that long is rolled here:
   * writers roll it only at their next append (PartitionLog.dueRoll), so a partition whose writers went
   * quiet right after filling it would otherwise keep those entries out of compaction and merging.
   */
  rollTailAt: number;
}

export class LogCleaner {
  private readonly heads: HeadStore;
  private readonly cleaner: CleanerStore;
  private readonly segments: SegmentStore;
  private readonly rollTailAt: number;

  constructor({ heads, cleaner, segments, rollTailAt }: LogCleanerOptions) {
    this.heads = heads;
    this.cleaner = cleaner;
    this.segments = segments;
    this.rollTailAt = rollTailAt;
  }

  /**
   * Cleans one partition: finishes or abandons a swap a dead run left, deletes replaced segments whose
   * delay is over, compacts if the topic compacts and compaction is due, then merges small segments.
   * Holds the partition's cleaner lease throughout; if another run holds it, does nothing.
   */
  async clean(ref: PartitionRef, config: TopicConfig, run: CleanerRun): Promise<CleanerResult> {
    const pk = partitionKey(ref);
    const result = emptyResult();
    if (!(await this.mayHaveWork(pk, config, run))) return result;
    const owner = randomBytes(8).toString('hex');
    const now = run.clock();
    const state = await this.cleaner.acquire({ pk, owner, now, until: now + Math.max(0, run.deadline - Date.now()) + LEASE_MARGIN_MS });
    if (!state) return result;
    const job = new CleanerJob({ heads: this.heads, cleaner: this.cleaner, segments: this.segments, ref, owner, config, options: { ...DEFAULT_CLEANER_OPTIONS, ...run.options }, run, result });
    try {
      if (state.swap) await job.recover(state.swap);
      await job.collectGarbage(state.garbage);
      if (compacts(config) && Date.now() < run.deadline) await job.compact(state);
      if (Date.now() < run.deadline) await job.merge(state);
    } finally {
      await this.cleaner.release(pk, owner).catch(() => undefined);
    }
    return result;
  }

  /**
   * Two reads, and no write, for a partition with nothing to do (the common case, every run): work is
   * a recorded swap, replaced segments whose delay is over, committed chunks past where compaction last
   * stopped, or at least `minMergeEntries` offsets of them past where merging last stopped. A tail
   * left at the roll threshold is rolled first (two more writes, only then).
   */
  private async mayHaveWork(pk: string, config: TopicConfig, run: CleanerRun): Promise<boolean> {
    const [state, read] = await Promise.all([this.cleaner.peek(pk), this.heads.read(pk)]);
    if (!read) return false;
    const rolled = read.tail.length >= this.rollTailAt && (await this.heads.roll(pk, read).catch(() => false));
    const head = rolled ? { ...read, tailBase: read.nextOffset, tail: [] } : read;
    if (state.swap || state.garbage.some((g) => g.after <= run.clock())) return true;
    if (compacts(config) && head.tailBase > Math.max(head.logStartOffset, state.cleanedThrough)) return true;
    // Every entry covers at least one offset, so fewer offsets than minMergeEntries are fewer entries.
    const options = { ...DEFAULT_CLEANER_OPTIONS, ...run.options };
    return head.tailBase - Math.max(head.logStartOffset, state.mergedThrough) >= Math.min(options.minMergeEntries, MAX_GROUP_ENTRIES);
  }
}

class CleanerJob {
  private readonly pk: string;
  /** Replaced segment ids in the cleaner's item, waiting out their delay. */
  private pendingGarbage = 0;

  private readonly heads: HeadStore;
  private readonly cleaner: CleanerStore;
  private readonly segments: SegmentStore;
  private readonly ref: PartitionRef;
  private readonly owner: string;
  private readonly config: TopicConfig;
  private readonly options: CleanerOptions;
  private readonly run: CleanerRun;
  private readonly result: CleanerResult;

  constructor(job: {
    heads: HeadStore;
    cleaner: CleanerStore;
    segments: SegmentStore;
    ref: PartitionRef;
    owner: string;
    config: TopicConfig;
    options: CleanerOptions;
    run: CleanerRun;
    result: CleanerResult;
  }) {
    ({ heads: this.heads, cleaner: this.cleaner, segments: this.segments, ref: this.ref, owner: this.owner, config: this.config, options: this.options, run: this.run, result: this.result } = job);
    this.pk = partitionKey(job.ref);
  }

  private key(segmentId: string): string {
    return segmentKey(this.ref.topicId, this.ref.partition, segmentId);
  }

  /** A swap a dead run recorded: finish it if its chunk is in place, else forget it. */
  async recover(intent: SwapIntent): Promise<void> {
    const chunk = await this.heads.chunkAt(this.pk, intent.base);
    if (chunk?.gen === intent.gen) await this.finish(intent);
    else await this.cleaner.abandonSwap(this.pk, this.owner);
  }

  /** After the swap: delete the covered chunks (in offset order), then let the replaced segments go after the delay. */
  private async finish(intent: SwapIntent): Promise<void> {
    for (const covered of intent.covered) await this.heads.deleteReplacedChunk(this.pk, covered);
    const batch: GarbageBatch = { after: this.run.clock() + FILE_DELETE_DELAY_MS, segmentIds: intent.replaced };
    await this.cleaner.completeSwap(this.pk, this.owner, batch);
  }

  async collectGarbage(garbage: GarbageBatch[]): Promise<void> {
    const now = this.run.clock();
    const ripe = garbage.filter((g) => g.after <= now);
    this.pendingGarbage = garbage.filter((g) => g.after > now).reduce((sum, g) => sum + g.segmentIds.length, 0);
    if (ripe.length === 0) return;
    const ids = ripe.flatMap((g) => g.segmentIds);
    await this.segments.deleteAll(ids.map((id) => this.key(id)));
    await this.cleaner.setGarbage(this.pk, this.owner, garbage.filter((g) => g.after > now));
    this.result.garbageDeleted += ids.length;
  }

  /**
   * Kafka's compaction. The cleanable part runs from the log start to the first entry still too young
   * (min.compaction.lag.ms, or the settle time) and never into the tail. When due by the dirty ratio or
   * max.compaction.lag.ms, every record of it is read once to find each key's latest offset, then it is
   * rewritten a group of chunks at a time, keeping the survivors at their offsets.
   */
  async compact(state: CleanerState): Promise<void> {
    const settings = compactionSettings(this.config);
    const now = this.run.clock();
    const head = await this.heads.read(this.pk);
    if (!head) return;
    const dirtyFrom = Math.max(state.cleanedThrough, head.logStartOffset);
    const dirtyChunks = await this.chain(head, dirtyFrom);
    const end = this.cleanableEndOf(dirtyChunks, head, now);
    if (end <= dirtyFrom) return;
    const dirty = dirtyChunks.filter((c) => c.nextBase <= end).flatMap((c) => c.entries);
    const cleanBytes = state.cleanedThrough > head.logStartOffset ? state.cleanBytes : 0;
    const dirtyBytes = dirty.reduce((sum, e) => sum + e.bytes, 0);
    if (!compactionDue({ cleanBytes, dirtyBytes, firstDirtyTimestamp: dirty[0]?.maxTimestamp }, now, settings)) return;

    const chunks = (await this.chain(head, head.logStartOffset)).filter((c) => c.nextBase <= end);
    const latest = new Map<string, number>();
    for (const group of groups(chunks)) {
      if (Date.now() >= this.run.deadline) return;
      for (const records of await this.readEntries(group.flatMap((c) => placeEntries(c.base, c.entries)))) latestOffsets(records, latest);
    }
    let cleanBytesAfter = 0;
    for (const group of groups(chunks)) {
      if (Date.now() >= this.run.deadline) return;
      const entries = group.flatMap((c) => placeEntries(c.base, c.entries));
      const originals = await this.readEntries(entries);
      const inputs = entries.map((entry, i): PackInput => {
        const kept = originals[i]!.filter((r) => survives({ entry: r, latest, now, settings }));
        return { entry, records: kept, whole: kept.length === originals[i]!.length };
      });
      const pieces = packSegments(inputs, this.options.targetSegmentBytes);
      const removed = inputs.some((input) => !input.whole);
      let written: IndexEntry[] = group.flatMap((c) => c.entries);
      if (removed || group.length > 1 || pieces.length < entries.length) {
        const swapped = await this.swap(group, pieces, originals.flat());
        if (!swapped) return;
        written = swapped;
        this.result.recordsRemoved += inputs.reduce((sum, input, i) => sum + originals[i]!.length - input.records.length, 0);
      }
      cleanBytesAfter += written.reduce((sum, e) => sum + e.bytes, 0);
    }
    await this.cleaner.setCleanedThrough({ pk: this.pk, owner: this.owner, offset: end, cleanBytes: cleanBytesAfter });
    if (state.mergedThrough < end) await this.cleaner.setMergedThrough(this.pk, this.owner, end);
    this.result.compacted = true;
  }

  /** The end of the cleanable part, on a chunk boundary. */
  private cleanableEndOf(chunks: Chunk[], head: Head, now: number): number {
    const settings = compactionSettings(this.config);
    const asRolled = new Set(chunks.filter((c) => c.gen === undefined).flatMap((c) => c.entries.map((e) => e.segmentId)));
    const rolledLately = new Set(chunks.filter((_, i) => !rolledLongAgo({ chunks, i, head, settleMs: this.options.settleMs })).flatMap((c) => c.entries.map((e) => e.segmentId)));
    const young = (e: PlacedEntry) => rolledLately.has(e.segmentId) || (asRolled.has(e.segmentId) && Date.now() - segmentIdTime(e.segmentId) < this.options.settleMs);
    const entries = chunks.flatMap((c) => placeEntries(c.base, c.entries));
    const end = cleanableEnd({ entries, tailBase: head.tailBase, now, settings, young });
    return chunks.filter((c) => c.nextBase <= end).at(-1)?.nextBase ?? 0;
  }

  /**
   * Merges runs of small segments: from where the last merge stopped, chunks as rolled whose segments
   * are all older than `mergeAfterMs`, a group of up to MAX_GROUP_ENTRIES entries at a time once at least
   * `minMergeEntries` have gathered. Large segments keep their objects; only their entries move.
   */
  async merge(state: CleanerState): Promise<void> {
    const head = await this.heads.read(this.pk);
    if (!head) return;
    let mergedThrough = Math.max(state.mergedThrough, head.logStartOffset);
    const minAge = Math.max(this.options.mergeAfterMs, this.options.settleMs);
    const old = (c: Chunk) => c.entries.every((e) => Date.now() - segmentIdTime(e.segmentId) >= minAge);
    const candidates: Chunk[] = [];
    const chunks = await this.chain(head, mergedThrough);
    for (const [i, chunk] of chunks.entries()) {
      // A chunk a rewrite wrote is merged already; one too young, or rolled too lately, ends what can be merged now.
      if (chunk.gen !== undefined && candidates.length === 0) mergedThrough = chunk.nextBase;
      else if (chunk.gen !== undefined || !old(chunk) || !rolledLongAgo({ chunks, i, head, settleMs: this.options.settleMs })) break;
      else candidates.push(chunk);
    }
    for (const group of groups(candidates)) {
      if (Date.now() >= this.run.deadline) break;
      const entries = group.flatMap((c) => placeEntries(c.base, c.entries));
      const bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
      if (entries.length < this.options.minMergeEntries && bytes < this.options.targetSegmentBytes) break;
      const target = this.options.targetSegmentBytes;
      const toRead = entries.filter((e) => !reusable(e, target));
      const read = new Map((await this.readEntries(toRead)).map((records, i) => [toRead[i]!.baseOffset, records]));
      const inputs = entries.map((entry): PackInput => ({ entry, records: read.get(entry.baseOffset) ?? [], whole: true }));
      const pieces = packSegments(inputs, target);
      if (group.length > 1 || pieces.length < entries.length) {
        if (!(await this.swap(group, pieces, [...read.values()].flat()))) break;
      }
      mergedThrough = group.at(-1)!.nextBase;
    }
    if (mergedThrough > state.mergedThrough) await this.cleaner.setMergedThrough(this.pk, this.owner, mergedThrough);
  }

  /**
   * The swap (docs/compaction.md): PUT the new segments, record the swap, replace the group's first
   * chunk with one covering the whole group (conditional on it being unchanged), then finish: delete the
   * covered chunks, and queue the replaced segments for deletion after the delay. Answers the new
   * chunk's entries, or undefined if nothing was swapped: the first chunk had changed, or the replaced
   * segments waiting for deletion would pass MAX_PENDING_GARBAGE.
   */
  private async swap(group: Chunk[], pieces: PackedPiece[], originals: OffsetRecord[]): Promise<IndexEntry[] | undefined> {
    const reused = new Set(pieces.flatMap((p) => (p.kind === 'reuse' ? [p.entry.segmentId] : [])));
    const replaced = group.flatMap((c) => c.entries).filter((e) => !reused.has(e.segmentId));
    if (this.pendingGarbage + replaced.length > MAX_PENDING_GARBAGE) return undefined;
    const compression = this.config['compression.type'];
    const writes = pieces.flatMap((piece) => (piece.kind === 'write' ? [piece] : []));
    const written = await mapBounded(writes, IO_CONCURRENCY, async (piece) => {
      const body = encodeSegment(
        piece.records.map((r) => r.record),
        compression,
        { offsetDeltas: piece.records.map((r) => r.offset - piece.base), span: piece.span },
      );
      const segmentId = newSegmentId();
      await this.segments.put(this.key(segmentId), body);
      // The newest timestamp of the original records in the span, removed ones included, so that the
      // entry agrees with the chunk's running maximum and a lookup by time never lands past a record.
      let maxTimestamp = 0;
      for (const r of originals) if (r.offset >= piece.base && r.offset < piece.base + piece.span) maxTimestamp = Math.max(maxTimestamp, r.record.timestamp);
      return { segmentId, count: piece.span, bytes: body.byteLength, maxTimestamp };
    });
    const entries: IndexEntry[] = [];
    let w = 0;
    for (const piece of pieces) entries.push(piece.kind === 'reuse' ? strip(piece.entry) : written[w++]!);
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const intent: SwapIntent = {
      base: first.base,
      gen: randomBytes(8).toString('hex'),
      covered: group.slice(1).map((c) => ({ base: c.base, nextBase: c.nextBase, ...(c.gen === undefined ? {} : { gen: c.gen }) })),
      replaced: replaced.map((e) => e.segmentId),
      written: written.map((e) => e.segmentId),
    };
    const discardWritten = () => this.segments.deleteAll(written.map((e) => this.key(e.segmentId))).catch(() => undefined);
    if (!(await this.cleaner.recordSwap(this.pk, this.owner, intent))) {
      await discardWritten();
      throw new Error(`lost the cleaner lease of ${this.pk}`);
    }
    const swapped = await this.heads.swapChunk(this.pk, {
      first,
      entries,
      nextBase: last.nextBase,
      bytesThrough: last.bytesThrough,
      maxTimestampThrough: last.maxTimestampThrough,
      gen: intent.gen,
    });
    if (!swapped) {
      // The chunk is not ours: our PutItem was refused and no attempt of it is pending (the SDK had finished).
      await this.cleaner.abandonSwap(this.pk, this.owner);
      await discardWritten();
      return undefined;
    }
    await this.finish(intent);
    this.pendingGarbage += replaced.length;
    this.result.swaps++;
    this.result.segmentsReplaced += replaced.length;
    this.result.segmentsWritten += written.length;
    this.result.bytesReplaced += replaced.reduce((sum, e) => sum + e.bytes, 0);
    this.result.bytesWritten += written.reduce((sum, e) => sum + e.bytes, 0);
    return entries;
  }

  /**
   * The committed chunks from `from` to the tail base, following each chunk's `nextBase` (read from
   * the table, never a cache: a swap conditions on the version read). A chunk that starts below `from`
   * (below the log start, say) is left out; a chain that breaks (retention racing) ends early.
   */
  private async chain(head: Head, from: number): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    if (from >= head.tailBase) return chunks;
    let chunk = await this.heads.chunkContaining(this.pk, from);
    while (chunk && chunk.nextBase > from) {
      if (chunk.base >= from) chunks.push(chunk);
      if (chunk.nextBase >= head.tailBase) break;
      chunk = await this.heads.chunkAt(this.pk, chunk.nextBase);
    }
    return chunks;
  }

  /** Each entry's records at their offsets, read with bounded concurrency. */
  private async readEntries(entries: PlacedEntry[]): Promise<OffsetRecord[][]> {
    return mapBounded(entries, IO_CONCURRENCY, async (entry) => recordsOf(entry, await this.segments.get(this.key(entry.segmentId))));
  }
}

/**
 * Whether `chunks[i]` (of a chain read along nextBase) was rolled at least `settleMs` ago: when the
 * next chunk's base, or the head's, became the tail base. Until then a roll's chunk write for it may
 * still arrive: a roller reads the head (tail base still here), and its request lives up to a Lambda's
 * 15 minutes. A rewrite deletes the chunks it covers, and such a late write would put a deleted one
 * back (attribute_not_exists), as rolled, naming the segments the rewrite deletes; readers asking for
 * an offset in it would find it before the rewritten chunk. A successor not in hand (a chain broken by
 * retention): not known. Unknown time (chunks rolled before it was kept): long ago.
 */
function rolledLongAgo({ chunks, i, head, settleMs }: { chunks: Chunk[]; i: number; head: Head; settleMs: number }): boolean {
  const chunk = chunks[i]!;
  const next = chunks[i + 1];
  const successor = next?.base === chunk.nextBase ? next : chunk.nextBase === head.tailBase ? head : undefined;
  if (!successor) return false;
  return successor.tailSince === undefined || Date.now() - successor.tailSince >= settleMs;
}

const recordsOf = (entry: PlacedEntry, segment: DecodedSegment): OffsetRecord[] =>
  segment.records.map((record, i) => ({ offset: entry.baseOffset + offsetDelta(segment, i), record }));

const strip = ({ segmentId, count, bytes, maxTimestamp }: IndexEntry): IndexEntry => ({ segmentId, count, bytes, maxTimestamp });

/** Consecutive chunks in groups of at most MAX_GROUP_ENTRIES entries and MAX_GROUP_BYTES bytes (at least one chunk each). */
function groups(chunks: Chunk[]): Chunk[][] {
  const out: Chunk[][] = [];
  let current: Chunk[] = [];
  let entries = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    const chunkBytes = chunk.entries.reduce((sum, e) => sum + e.bytes, 0);
    if (current.length && (entries + chunk.entries.length > MAX_GROUP_ENTRIES || bytes + chunkBytes > MAX_GROUP_BYTES)) {
      out.push(current);
      current = [];
      entries = 0;
      bytes = 0;
    }
    current.push(chunk);
    entries += chunk.entries.length;
    bytes += chunkBytes;
  }
  if (current.length) out.push(current);
  return out;
}

/** Maps with at most `limit` calls in flight, answers in input order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
