import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { conditional } from '../storage/conditional.js';
import { CLEANER_SORT_KEY } from '../storage/schema.js';

/**
 * A swap recorded before it is made (docs/compaction.md): enough for the next run to finish it (the new
 * chunk is in place) or abandon it (it is not), whatever step the run that made it died at.
 */
export interface SwapIntent {
  /** The base of the replaced chunk that the new chunk overwrites. */
  base: number;
  /** The new chunk's generation: the swap happened if and only if the chunk at `base` carries it. */
  gen: string;
  /** The chunks after the first that the new chunk covers, as read: deleted once the swap is in place. */
  covered: Array<{ base: number; nextBase: number; gen?: string }>;
  /** Segment ids the new chunk no longer names: deleted after the delay, once the swap is in place. */
  replaced: string[];
  /** Segment ids written for the new chunk: unreferenced, and left to the orphan sweep, if the swap never happens. */
  written: string[];
}

/** Segment ids no index entry names any more, deletable from `after` (ms) on. */
export interface GarbageBatch {
  after: number;
  segmentIds: string[];
}

/** The cleaner's item of a partition. */
export interface CleanerState {
  /** Compaction has run up to here (Kafka's cleaner checkpoint): what lies above is dirty. */
  cleanedThrough: number;
  /** The bytes the last compaction left below `cleanedThrough`: the clean part of the dirty ratio. */
  cleanBytes: number;
  /** Merging has looked at the index up to here; the next merge starts from it. */
  mergedThrough: number;
  swap: SwapIntent | undefined;
  garbage: GarbageBatch[];
}

const n = (v: number): AttributeValue => ({ N: String(v) });

/**
 * The log cleaner's item of a partition, in the log table beside its head (sort key −2): a lease, so
 * that one compaction or merge at a time rewrites a partition's index; the swap in progress; and the
 * replaced segments waiting out the deletion delay. Only the lease holder writes it, and every write
 * is conditional on still holding it. Appends and reads never touch it.
 */
export class CleanerStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(pk: string) {
    return { p: { S: pk }, b: n(CLEANER_SORT_KEY) };
  }

  /** The state without taking the lease (one strongly consistent read), to tell whether there is work before writing anything. */
  async peek(pk: string): Promise<CleanerState> {
    const res = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: this.key(pk), ConsistentRead: true }));
    return toState(res.Item ?? {});
  }

  /** Takes the lease until `until` unless another holder's lease is still running at `now`; answers the state, or undefined if held. */
  async acquire({ pk, owner, now, until }: { pk: string; owner: string; now: number; until: number }): Promise<CleanerState | undefined> {
    try {
      const res = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk),
          UpdateExpression: 'SET #owner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':until': n(until), ':now': n(now) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(res.Attributes ?? {});
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  }

  async release(pk: string, owner: string): Promise<void> {
    await this.update({ pk, owner, expression: 'SET leaseUntil = :zero', values: { ':zero': n(0) } });
  }

  /** Records a swap before it is made. False if the lease was lost: then the swap must not be made. */
  async recordSwap(pk: string, owner: string, intent: SwapIntent): Promise<boolean> {
    return this.update({ pk, owner, expression: 'SET swapIntent = :swap', values: { ':swap': { S: JSON.stringify(intent) } } });
  }

  /** The swap is in place and its covered chunks are gone: its replaced segments wait out the delay. */
  async completeSwap(pk: string, owner: string, batch: GarbageBatch): Promise<boolean> {
    return this.update({ pk, owner, expression: 'SET garbage = list_append(if_not_exists(garbage, :empty), :batch) REMOVE swapIntent', values: {
      ':batch': { L: [{ S: JSON.stringify(batch) }] },
      ':empty': { L: [] },
    } });
  }

  /** The swap never happened: forget it (its written segments are left to the orphan sweep). */
  async abandonSwap(pk: string, owner: string): Promise<boolean> {
    return this.update({ pk, owner, expression: 'REMOVE swapIntent', values: {} });
  }

  /** Replaces the garbage list whole (never list-index removals, which dynalite applies wrongly). */
  async setGarbage(pk: string, owner: string, garbage: GarbageBatch[]): Promise<boolean> {
    return this.update({ pk, owner, expression: 'SET garbage = :garbage', values: { ':garbage': { L: garbage.map((g) => ({ S: JSON.stringify(g) })) } } });
  }

  /** A compaction pass reached `offset`, leaving `cleanBytes` below it. */
  async setCleanedThrough({ pk, owner, offset, cleanBytes }: { pk: string; owner: string; offset: number; cleanBytes: number }): Promise<boolean> {
    return this.update({ pk, owner, expression: 'SET cleanedThrough = :offset, cleanBytes = :bytes', values: { ':offset': n(offset), ':bytes': n(cleanBytes) } });
  }

  async setMergedThrough(pk: string, owner: string, offset: number): Promise<boolean> {
    return this.update({ pk, owner, expression: 'SET mergedThrough = :offset', values: { ':offset': n(offset) } });
  }

  private update({ pk, owner, expression, values }: { pk: string; owner: string; expression: string; values: Record<string, AttributeValue> }): Promise<boolean> {
    return conditional(
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(pk),
          UpdateExpression: expression,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ...values, ':owner': { S: owner } },
        }),
      ),
    );
  }
}

function toState(item: Record<string, AttributeValue>): CleanerState {
  return {
    cleanedThrough: Number(item.cleanedThrough?.N ?? 0),
    cleanBytes: Number(item.cleanBytes?.N ?? 0),
    mergedThrough: Number(item.mergedThrough?.N ?? 0),
    swap: item.swapIntent?.S ? (JSON.parse(item.swapIntent.S) as SwapIntent) : undefined,
    garbage: (item.garbage?.L ?? []).map((g) => JSON.parse(g.S!) as GarbageBatch),
  };
}
