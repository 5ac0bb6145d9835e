import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  paginateQuery,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { conditional } from '../storage/conditional.js';
import { HEAD_SORT_KEY, HEAD_WATCH_ATTRIBUTES } from '../storage/schema.js';
import { AmbiguousUpdateItemCommand } from './ambiguous-write.js';
import { formatEntry, parseEntry, placeEntries, type IndexEntry } from './entry.js';

/** The partition head: the sequencer and the tail of the index. Invariant: tailBase + Σ tail counts = nextOffset. */
export interface Head {
  nextOffset: number;
  tailBase: number;
  tail: IndexEntry[];
  logStartOffset: number;
  /**
   * Chunks and segment objects wholly below `deleteBelow` may be deleted from `deleteAfter` (ms) on.
   * Retention sets the pair when it moves the log start, a delay ahead, so that a read that began
   * before the move finishes (Kafka's `file.delete.delay.ms`). 0 and 0 when nothing is pending.
   */
  deleteBelow: number;
  deleteAfter: number;
  /**
   * The index's running totals at the tail base: the bytes of every segment below it, and the largest
   * record timestamp below it. Each roll copies them, plus the tail's, into its chunk and here, so
   * lookups by time and by size binary-search the chunks instead of walking them.
   */
  bytesBelowTail: number;
  maxTimestampBelowTail: number;
  /**
   * The first chunk base that carries those totals: 0 for a partition created with them; for an older
   * one, the tail base of its first roll since. Chunks below were written without them.
   */
  totalsFrom: number | undefined;
  /**
   * When (ms, by the clock of the process that set it) the tail base became what it is: the reset that
   * moved it here, or the head's creation. Undefined on heads not rolled since it was added. A roll's
   * chunk keeps it, so the roll of the chunk before this base ended then (see Chunk.tailSince).
   */
  tailSince?: number;
  /** Idempotent producers' last committed batch on this partition, by `producerKey(id)`. */
  producers: Map<string, ProducerState>;
  /**
   * The push subscriptions on this partition's topic (see markSubscriber): who a commit here must wake.
   * On AWS the stream's filter passes only heads that have some, so unsubscribed topics cost nothing.
   */
  subscribers: string[];
}

/** The part of a head that says which entries a partition holds: its bounds and the tail. */
export type HeadExtent = Pick<Head, 'logStartOffset' | 'nextOffset' | 'tailBase' | 'tail'>;

/** An idempotent producer's last committed batch on a partition. */
export interface ProducerState {
  /** Sequence number of the batch's last record: a new batch must start above it. */
  lastSequence: number;
  /** Records in the batch; its first sequence is `lastSequence − count + 1`. */
  count: number;
  baseOffset: number;
  lastSeen: number;
}

/** An idempotent producer's claim on one batch: its id and the batch's first sequence number. */
export interface ProducerBatch {
  id: string;
  sequence: number;
}

/**
 * Producers idle this long are forgotten at the next roll. The state only has to outlive a client's
 * retries of its last batch: the client's default policy gives up within about 7 minutes (11 attempts
 * of at most 30 s, 10 waits of at most 10 s). Kafka keeps producer ids a day, but there the state is
 * not rewritten by every append; here each live producer adds about 50 B to every append's write.
 */
export const PRODUCER_EXPIRY_MS = 15 * 60 * 1000;

/**
 * A roll keeps at most this many producers, the most recently seen: about 1.7 KB (some 50 B each), so
 * an append costs at most 2–3 WCU more than with none, however many producers write to a partition.
 * Between rolls at most `2 × maxTailEntries` more can join. An evicted producer's retry of its last
 * batch is appended again (at-least-once); its later batches are accepted as from a new producer.
 */
export const MAX_PRODUCERS_KEPT = 32;

/**
 * The head's key for a producer: 12 characters (72 bits) of its id's SHA-256, so that long ids cost no
 * more than short ones, and any id is a valid map key.
 */
export const producerKey = (id: string): string => createHash('sha256').update(id).digest('base64url').slice(0, 12);

export type SequenceCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'mismatched_retry'; committed: ProducerState }
  | { kind: 'out_of_order'; lastSequence: number };

/**
 * How a batch of `count` records starting at `sequence` relates to the producer's last committed batch.
 * Only the committed batch itself, same first sequence and same count, is a duplicate: a batch that
 * starts there with a different count is not a retry of it, and anything else at or below its last
 * sequence is out of order.
 */
export function checkSequence(committed: ProducerState | undefined, sequence: number, count: number): SequenceCheck {
  if (!committed || committed.lastSequence < sequence) return { kind: 'new' };
  if (committed.lastSequence - committed.count + 1 !== sequence) return { kind: 'out_of_order', lastSequence: committed.lastSequence };
  return committed.count === count ? { kind: 'duplicate', baseOffset: committed.baseOffset } : { kind: 'mismatched_retry', committed };
}

/** The producers a roll keeps: seen within the expiry, at most MAX_PRODUCERS_KEPT of them, the most recent. */
export function producersToKeep(producers: Map<string, ProducerState>, now: number): Array<[string, ProducerState]> {
  return [...producers]
    .filter(([, p]) => now - p.lastSeen <= PRODUCER_EXPIRY_MS)
    .sort(([, a], [, b]) => b.lastSeen - a.lastSeen)
    .slice(0, MAX_PRODUCERS_KEPT);
}

/** An immutable run of index entries that a roll moved out of the head. */
export interface Chunk {
  base: number;
  nextBase: number;
  entries: IndexEntry[];
  /** Running totals through `nextBase` (see Head); absent in chunks rolled before they existed. */
  bytesThrough?: number;
  maxTimestampThrough?: number;
  /**
   * Which rewrite (compaction or merge) wrote this chunk; absent for a chunk as rolled. A swap is
   * conditional on it, so a chunk is replaced only from the version the rewrite read.
   */
  gen?: string;
  /**
   * When this chunk's base became the tail base (Head.tailSince, copied by the roll): the roll of the
   * chunk before ended then, and a roll's chunk write for that chunk can arrive only so long after it.
   * A rewrite keeps it. Absent in chunks rolled before it existed.
   */
  tailSince?: number;
}

/** What an index swap replaces: the chunk at `base` as read, and the chunks after it up to `nextBase`. */
export interface ChunkSwap {
  /** The first replaced chunk as the rewrite read it. */
  first: Chunk;
  /** The new chunk's entries, covering [first.base, nextBase) exactly. */
  entries: IndexEntry[];
  nextBase: number;
  /** The running totals through `nextBase`, as the last replaced chunk had them. */
  bytesThrough?: number;
  maxTimestampThrough?: number;
  gen: string;
}

export type AppendResult =
  | { kind: 'appended'; baseOffset: number; head: Head }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'mismatched_retry'; committed: ProducerState }
  | { kind: 'out_of_order'; lastSequence: number }
  | { kind: 'full'; head: Head }
  | { kind: 'missing' };

const n = (v: number): AttributeValue => ({ N: String(v) });
const num = (v: AttributeValue | undefined): number => Number(v?.N ?? 'NaN');
const entryList = (v: AttributeValue | undefined): IndexEntry[] => (v?.L ?? []).map((e) => parseEntry(e.S!));

/**
 * Every read and write of the log table. Single-item conditional writes only: they behave the same on
 * DynamoDB, DynamoDB Local and dynalite, and concurrent writers never conflict the way transactions do.
 */
export class HeadStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    /** The clock producers are stamped and expired by. */
    private readonly now: () => number = Date.now,
  ) {}

  private key(pk: string, b: number) {
    return { p: { S: pk }, b: n(b) };
  }

  async create(pk: string): Promise<void> {
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          ...this.key(pk, HEAD_SORT_KEY),
          nextOffset: n(0),
          tailBase: n(0),
          tail: { L: [] },
          logStartOffset: n(0),
          cumBytes: n(0),
          cumMaxTs: n(0),
          totalsFrom: n(0),
          tailSince: n(this.now()),
          producers: { M: {} },
          producerBase: { M: {} },
        },
        ConditionExpression: 'attribute_not_exists(p)',
      }),
    );
  }

  async read(pk: string): Promise<Head | undefined> {
    const res = await this.dynamo.send(
      new GetItemCommand({ TableName: this.table, Key: this.key(pk, HEAD_SORT_KEY), ConsistentRead: true }),
    );
    return res.Item && !res.Item.deleted ? toHead(res.Item) : undefined;
  }

  /**
   * Adds or removes a push subscription's mark on a head. Every commit rewrites the head with an update,
   * which keeps the mark. `markedAt` changes on every call, so even a mark that was already there (a
   * resumed subscription) shows in the table's stream and wakes the dispatcher. False if the head is
   * gone or its topic deleted.
   */
  async markSubscriber({ pk, subscription, subscribed, now }: { pk: string; subscription: string; subscribed: boolean; now: number }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: `${subscribed ? 'ADD' : 'DELETE'} subscribers :s SET markedAt = :now`,
          ConditionExpression: 'attribute_exists(p) AND attribute_not_exists(deleted)',
          ExpressionAttributeValues: { ':s': { SS: [subscription] }, ':now': n(now) },
        }),
      ),
    );
  }

  /**
   * Marks a head as watched by a wake socket (lib/wake) until `until` (ms): on AWS the stream's filter
   * then passes this partition's commits to the function that wakes sockets. It sets only the mark's two
   * attributes, so no log field moves, and overwrites any older mark: a clear is conditional on the
   * socket it names (`by`), so it can never remove a mark written after the commit it judged. False if
   * the head is gone or its topic deleted.
   */
  async markWatched({ pk, until, by }: { pk: string; until: number; by: string }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: `SET ${HEAD_WATCH_ATTRIBUTES.until} = :until, ${HEAD_WATCH_ATTRIBUTES.by} = :by`,
          ConditionExpression: 'attribute_exists(p) AND attribute_not_exists(deleted)',
          ExpressionAttributeValues: { ':until': n(until), ':by': { S: by } },
        }),
      ),
    );
  }

  /** Removes a head's watch mark if it is still the one socket `by` wrote; false if another (or none) is there. */
  async clearWatched({ pk, by }: { pk: string; by: string }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: `REMOVE ${HEAD_WATCH_ATTRIBUTES.until}, ${HEAD_WATCH_ATTRIBUTES.by}`,
          ConditionExpression: `${HEAD_WATCH_ATTRIBUTES.by} = :by`,
          ExpressionAttributeValues: { ':by': { S: by } },
        }),
      ),
    );
  }

  /** The bounds of many heads, read strongly consistent, 100 keys a request; missing heads are left out. */
  async readBounds(pks: string[]): Promise<Map<string, { logStartOffset: number; nextOffset: number }>> {
    const bounds = new Map<string, { logStartOffset: number; nextOffset: number }>();
    for (const item of await this.readHeads(pks, 'p, nextOffset, logStartOffset')) {
      bounds.set(item.p!.S!, { logStartOffset: num(item.logStartOffset), nextOffset: num(item.nextOffset) });
    }
    return bounds;
  }

  /**
   * What many heads say of the partitions' sizes, read strongly consistent as readBounds (the same
   * BatchGetItem requests, with the tail in the projection); missing heads are left out.
   */
  async readExtents(pks: string[]): Promise<Map<string, HeadExtent>> {
    const extents = new Map<string, HeadExtent>();
    for (const item of await this.readHeads(pks, 'p, nextOffset, logStartOffset, tailBase, tail')) {
      extents.set(item.p!.S!, { logStartOffset: num(item.logStartOffset), nextOffset: num(item.nextOffset), tailBase: num(item.tailBase), tail: entryList(item.tail) });
    }
    return extents;
  }

  /**
   * One producer's last committed batch on each of many partitions, read strongly consistent; a
   * partition it has no state on maps to undefined, and a missing head is left out.
   */
  async readProducer(pks: string[], producerId: string): Promise<Map<string, ProducerState | undefined>> {
    const states = new Map<string, ProducerState | undefined>();
    const items = await this.readHeads(pks, 'p, producers.#pid, producerBase.#pid', { '#pid': producerKey(producerId) });
    for (const item of items) states.set(item.p!.S!, toProducers(item).get(producerKey(producerId)));
    return states;
  }

  /** Projections of many heads, read strongly consistent, 100 keys a request; missing heads are left out. */
  private async readHeads(pks: string[], projection: string, names?: Record<string, string>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    for (let first = 0; first < pks.length; first += 100) {
      let keys: Array<Record<string, AttributeValue>> = pks.slice(first, first + 100).map((pk) => this.key(pk, HEAD_SORT_KEY));
      while (keys.length) {
        const res = await this.dynamo.send(
          new BatchGetItemCommand({
            RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: projection, ExpressionAttributeNames: names } },
          }),
        );
        items.push(...(res.Responses?.[this.table] ?? []));
        keys = (res.UnprocessedKeys?.[this.table]?.Keys as typeof keys | undefined) ?? [];
      }
    }
    return items;
  }

  /**
   * Appends one entry. DynamoDB serialises updates to one item, so concurrent appenders each get a
   * distinct contiguous range from the returned nextOffset, without a lock and without retrying. An
   * idempotent producer's sequence check and record ride in the same update, so a retried batch is
   * committed at most once, whichever Lambda instance receives the retry.
   */
  /** `maxTail` is the hard limit: appends are refused only when a roll has fallen that far behind. */
  async append({ pk, entry, maxTail, producer }: { pk: string; entry: IndexEntry; maxTail: number; producer?: ProducerBatch }): Promise<AppendResult> {
    const formatted = formatEntry(entry);
    const values: Record<string, AttributeValue> = {
      ':entry': { L: [{ S: formatted }] },
      ':entryString': { S: formatted },
      ':count': n(entry.count),
      ':max': n(maxTail),
    };
    let update = 'SET tail = list_append(tail, :entry), nextOffset = nextOffset + :count';
    // A retry of this entry after an append whose outcome was unknown (and found not committed) must
    // still never commit the segment twice, should the first write have been applied late.
    let condition = 'attribute_exists(p) AND attribute_not_exists(deleted) AND size(tail) < :max AND NOT contains(tail, :entryString)';
    let names: Record<string, string> | undefined;
    if (producer) {
      // Operands read the item as it was before this update, so producerBase gets the batch's base offset.
      update += ', producers.#pid = :producer, producerBase.#pid = nextOffset';
      // Above the last committed batch's last sequence, not merely its first.
      condition += ' AND (attribute_not_exists(producers.#pid) OR producers.#pid.l < :seq)';
      names = { '#pid': producerKey(producer.id) };
      values[':seq'] = n(producer.sequence);
      values[':producer'] = { M: { l: n(producer.sequence + entry.count - 1), n: n(entry.count), t: n(this.now()) } };
    }
    try {
      // A lost answer is not retried by the SDK: it surfaces as AmbiguousWriteError, and the caller
      // finds out from the log whether the entry committed (PartitionLog.append).
      const res = await this.dynamo.send(
        new AmbiguousUpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          // The whole new head costs no more than part of it, and tells the writer whether it filled the tail.
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'appended', baseOffset: num(res.Attributes?.nextOffset) - entry.count, head: toHead(res.Attributes!) };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const head = await this.read(pk);
      if (!head) return { kind: 'missing' };
      const mine = placeEntries(head.tailBase, head.tail).find((e) => formatEntry(e) === formatted);
      if (mine) return { kind: 'appended', baseOffset: mine.baseOffset, head };
      const check = producer ? checkSequence(head.producers.get(producerKey(producer.id)), producer.sequence, entry.count) : { kind: 'new' as const };
      if (check.kind !== 'new') return check;
      // The tail was full, or someone has just emptied it: either way the caller rolls or retries.
      return { kind: 'full', head };
    }
  }

  /**
   * Moves the tail seen in `head` into a chunk item and empties the tail, without stopping appends:
   * the chunk is keyed by the tail base, and the reset succeeds only while the tail still holds exactly
   * the entries that were copied. Any number of writers may roll at once; at most one reset succeeds
   * per tail base, and a roll that loses a race changes nothing. Answers whether its reset applied.
   */
  async roll(pk: string, head: Head): Promise<boolean> {
    if (head.tail.length === 0) return false;
    // Exact: the reset below succeeds only if the tail is still the one these totals add up.
    const bytesThrough = head.tail.reduce((sum, e) => sum + e.bytes, head.bytesBelowTail);
    const maxTimestampThrough = head.tail.reduce((max, e) => Math.max(max, e.maxTimestamp), head.maxTimestampBelowTail);
    await conditional(
      this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...this.key(pk, head.tailBase),
            nextBase: n(head.nextOffset),
            entries: { L: head.tail.map((e) => ({ S: formatEntry(e) })) },
            cumBytes: n(bytesThrough),
            cumMaxTs: n(maxTimestampThrough),
            ...(head.tailSince === undefined ? {} : { tailSince: n(head.tailSince) }),
          },
          // A chunk at the current tail base is read by nobody until the reset below moves the tail
          // base past it, so a roller that saw more entries may replace one that saw fewer. Never a
          // chunk a compaction or merge wrote (it has a gen): a roll's chunk write that arrives that
          // late, long after another roll reset past its base, would put back a shorter run of
          // entries whose segments the rewrite deletes.
          ConditionExpression: 'attribute_not_exists(p) OR (size(entries) < :count AND attribute_not_exists(gen))',
          ExpressionAttributeValues: { ':count': n(head.tail.length) },
        }),
      ),
    );
    // The roll rewrites the head anyway, so it is where idle producers are forgotten: it replaces the
    // producer maps whole, an expression of constant size however many go. Its condition means no
    // append, and so no producer update, happened since `head` was read, so the replacement loses nothing.
    const kept = producersToKeep(head.producers, this.now());
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression:
            'SET tail = :empty, tailBase = :newBase, producers = :producers, producerBase = :producerBase, ' +
            'cumBytes = :cumBytes, cumMaxTs = :cumMaxTs, totalsFrom = if_not_exists(totalsFrom, :oldBase), tailSince = :now',
          // Only if the tail is exactly what the chunk holds: an entry appended since then would be lost.
          ConditionExpression: 'tailBase = :oldBase AND size(tail) = :count',
          ExpressionAttributeValues: {
            ':producers': { M: Object.fromEntries(kept.map(([key, p]) => [key, { M: { l: n(p.lastSequence), n: n(p.count), t: n(p.lastSeen) } }])) },
            ':producerBase': { M: Object.fromEntries(kept.map(([key, p]) => [key, n(p.baseOffset)])) },
            ':empty': { L: [] },
            ':cumBytes': n(bytesThrough),
            ':cumMaxTs': n(maxTimestampThrough),
            ':newBase': n(head.nextOffset),
            ':oldBase': n(head.tailBase),
            ':count': n(head.tail.length),
            ':now': n(this.now()),
          },
        }),
      ),
    );
  }

  /**
   * The index swap of a compaction or merge (docs/compaction.md): replaces the chunk at `first.base`
   * with one holding the new entries up to `nextBase`, on the condition that it is still the chunk the
   * rewrite read (same end, same length, same generation). One PutItem: a reader sees the old chunk
   * or the new one, and both hold the same offsets. Answers whether the new chunk is in place, and
   * tells a lost answer whose write was applied (the SDK's retry then fails the condition) apart by
   * reading the chunk back.
   */
  async swapChunk(pk: string, swap: ChunkSwap): Promise<boolean> {
    const { first } = swap;
    const item: Record<string, AttributeValue> = {
      ...this.key(pk, first.base),
      nextBase: n(swap.nextBase),
      entries: { L: swap.entries.map((e) => ({ S: formatEntry(e) })) },
      gen: { S: swap.gen },
      ...(first.tailSince === undefined ? {} : { tailSince: n(first.tailSince) }),
    };
    if (swap.bytesThrough !== undefined && swap.maxTimestampThrough !== undefined) {
      item.cumBytes = n(swap.bytesThrough);
      item.cumMaxTs = n(swap.maxTimestampThrough);
    }
    const applied = await conditional(
      this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression:
            'nextBase = :oldNext AND size(entries) = :oldCount AND ' + (first.gen === undefined ? 'attribute_not_exists(gen)' : 'gen = :oldGen'),
          ExpressionAttributeValues: {
            ':oldNext': n(first.nextBase),
            ':oldCount': n(first.entries.length),
            ...(first.gen === undefined ? {} : { ':oldGen': { S: first.gen } }),
          },
        }),
      ),
    );
    return applied || (await this.chunkAt(pk, first.base))?.gen === swap.gen;
  }

  /**
   * Deletes a chunk that a swap has covered (its offsets are in the new chunk before it), only if it is
   * still the version the rewrite read. Gone or changed already: nothing to do.
   */
  async deleteReplacedChunk(pk: string, chunk: Pick<Chunk, 'base' | 'nextBase' | 'gen'>): Promise<void> {
    await conditional(
      this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.key(pk, chunk.base),
          ConditionExpression: 'nextBase = :next AND ' + (chunk.gen === undefined ? 'attribute_not_exists(gen)' : 'gen = :gen'),
          ExpressionAttributeValues: { ':next': n(chunk.nextBase), ...(chunk.gen === undefined ? {} : { ':gen': { S: chunk.gen } }) },
        }),
      ),
    );
  }

  async chunkAt(pk: string, base: number): Promise<Chunk | undefined> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.key(pk, base), ConsistentRead: true }));
    return res.Item ? toChunk(res.Item) : undefined;
  }

  /**
   * Moves the log start forward (retention). Conditional, so it never moves backwards and concurrent
   * maintenance runs agree.
   */
  async advanceLogStart(pk: string, logStartOffset: number): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: 'SET logStartOffset = :start',
          ConditionExpression: 'attribute_exists(p) AND logStartOffset < :start AND nextOffset >= :start',
          ExpressionAttributeValues: { ':start': n(logStartOffset) },
        }),
      ),
    );
  }

  /**
   * Lets maintenance delete what lies wholly below `below` from `after` (ms) on. Conditional on the
   * pair it replaces, so that of two concurrent runs one sets it, and never above the log start.
   */
  async scheduleDeletion({ pk, below, after, replacing }: { pk: string; below: number; after: number; replacing: number }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: 'SET deleteBelow = :below, deleteAfter = :after',
          ConditionExpression: 'attribute_exists(p) AND logStartOffset >= :below AND ' +
            (replacing === 0 ? '(attribute_not_exists(deleteBelow) OR deleteBelow = :old)' : 'deleteBelow = :old'),
          ExpressionAttributeValues: { ':below': n(below), ':after': n(after), ':old': n(replacing) },
        }),
      ),
    );
  }

  /** The oldest chunks wholly below `offset`, at most `limit`, oldest first: one Query. */
  async oldestChunksBelow(pk: string, offset: number, limit: number): Promise<Chunk[]> {
    if (offset <= 0) return [];
    const res = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'p = :p AND b BETWEEN :zero AND :o',
        ExpressionAttributeValues: { ':p': { S: pk }, ':zero': n(0), ':o': n(offset - 1) },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map(toChunk).filter((chunk) => chunk.nextBase <= offset);
  }

  /** Chunks wholly below `offset`, oldest first. */
  async chunksBelow(pk: string, offset: number): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: 'p = :p AND b BETWEEN :zero AND :o',
        ExpressionAttributeValues: { ':p': { S: pk }, ':zero': n(0), ':o': n(offset) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const chunk = toChunk(item);
        if (chunk.nextBase <= offset) chunks.push(chunk);
      }
    }
    return chunks;
  }

  /** Chunks whose base is in [from, below), oldest first. */
  async chunksBetween(pk: string, from: number, below: number): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    if (below <= from) return chunks;
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: 'p = :p AND b BETWEEN :from AND :last',
        ExpressionAttributeValues: { ':p': { S: pk }, ':from': n(from), ':last': n(below - 1) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) chunks.push(toChunk(item));
    return chunks;
  }

  /**
   * Deletes a chunk that lies wholly below `below` (retention's deletion mark). Conditional, because the
   * chunk at the current tail base can be replaced by a longer one (a roll that saw more entries) between
   * retention's listing and this delete, and the longer one holds records above the log start.
   */
  async deleteChunk(pk: string, base: number, below: number): Promise<void> {
    await conditional(
      this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: this.key(pk, base),
          ConditionExpression: 'nextBase <= :below',
          ExpressionAttributeValues: { ':below': n(below) },
        }),
      ),
    );
  }

  /** The chunk holding `offset`: the one with the greatest base ≤ offset. */
  async chunkContaining(pk: string, offset: number): Promise<Chunk | undefined> {
    const res = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'p = :p AND b BETWEEN :zero AND :o',
        ExpressionAttributeValues: { ':p': { S: pk }, ':zero': n(0), ':o': n(offset) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = res.Items?.[0];
    return item ? toChunk(item) : undefined;
  }

  /**
   * Fences a deleted topic's partition: appends from instances that still have the topic cached fail
   * (and retry on the re-created topic) instead of acknowledging records that are about to be purged.
   */
  async markDeleted(pk: string): Promise<void> {
    await conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk, HEAD_SORT_KEY),
          UpdateExpression: 'SET deleted = :true',
          ConditionExpression: 'attribute_exists(p)',
          ExpressionAttributeValues: { ':true': { BOOL: true } },
        }),
      ),
    );
  }

  /**
   * Deletes a partition's head and chunks; used only after its topic is deleted. Works a page of items
   * at a time and stops after the first page past `deadline`; answers whether it finished.
   */
  async purge(pk: string, deadline = Infinity): Promise<boolean> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'p = :p',
          ExpressionAttributeValues: { ':p': { S: pk } },
          ProjectionExpression: 'p, b',
          ExclusiveStartKey: start,
          Limit: 256,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ p: item.p!, b: item.b! }));
      for (let i = 0; i < keys.length; i += 16) {
        await Promise.all(keys.slice(i, i + 16).map((Key) => this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key }))));
      }
      start = page.LastEvaluatedKey;
    } while (start && Date.now() < deadline);
    return !start;
  }
}

function toHead(item: Record<string, AttributeValue>): Head {
  return {
    nextOffset: num(item.nextOffset),
    tailBase: num(item.tailBase),
    tail: entryList(item.tail),
    logStartOffset: num(item.logStartOffset),
    deleteBelow: Number(item.deleteBelow?.N ?? 0),
    deleteAfter: Number(item.deleteAfter?.N ?? 0),
    // A head from before the totals counts from 0 at its next roll; only differences are ever used.
    bytesBelowTail: Number(item.cumBytes?.N ?? 0),
    maxTimestampBelowTail: Number(item.cumMaxTs?.N ?? 0),
    totalsFrom: item.totalsFrom ? num(item.totalsFrom) : undefined,
    ...(item.tailSince ? { tailSince: num(item.tailSince) } : {}),
    producers: toProducers(item),
    subscribers: item.subscribers?.SS ?? [],
  };
}

function toProducers(item: Record<string, AttributeValue>): Map<string, ProducerState> {
  const producers = new Map<string, ProducerState>();
  for (const [key, state] of Object.entries(item.producers?.M ?? {})) {
    const p = state.M ?? {};
    producers.set(key, { lastSequence: num(p.l), count: num(p.n), baseOffset: num(item.producerBase?.M?.[key]), lastSeen: num(p.t) });
  }
  return producers;
}

function toChunk(item: Record<string, AttributeValue>): Chunk {
  const chunk: Chunk = { base: num(item.b), nextBase: num(item.nextBase), entries: entryList(item.entries) };
  if (item.cumBytes && item.cumMaxTs) {
    chunk.bytesThrough = num(item.cumBytes);
    chunk.maxTimestampThrough = num(item.cumMaxTs);
  }
  if (item.gen?.S) chunk.gen = item.gen.S;
  if (item.tailSince) chunk.tailSince = num(item.tailSince);
  return chunk;
}
