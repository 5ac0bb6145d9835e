import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageClients } from '../lib/storage/clients.js';

const DYNAMO_READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);
const DYNAMO_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** Counters since the meter was attached; subtract two snapshots for a window. */
export interface MeterSnapshot {
  /** Successful calls by `s3:PutObjectCommand`, `dynamodb:UpdateItemCommand`, … */
  ok: Record<string, number>;
  /** Calls that failed, by the same names (a failed conditional write is one). */
  failed: Record<string, number>;
  /** Capacity units the emulator reported in ConsumedCapacity. */
  reportedRcu: number;
  reportedWcu: number;
  /** Successful data-plane calls whose response carried no ConsumedCapacity. */
  unreported: number;
  /** Failed conditional writes: AWS bills them (at least 1 WCU each) but returns no ConsumedCapacity. */
  conditionalFailures: number;
}

const empty = (): MeterSnapshot => ({ ok: {}, failed: {}, reportedRcu: 0, reportedWcu: 0, unreported: 0, conditionalFailures: 0 });

const sumCapacity = (c: ConsumedCapacity | ConsumedCapacity[] | undefined): number | undefined => {
  if (c === undefined) return undefined;
  return (Array.isArray(c) ? c : [c]).reduce((s, x) => s + (x.CapacityUnits ?? 0), 0);
};

/**
 * Counts the S3 and DynamoDB requests of a client pair with an SDK middleware, and asks DynamoDB for
 * the capacity each data-plane call consumed (`ReturnConsumedCapacity: TOTAL`). dynalite answers with
 * units computed by AWS's rules: writes 1 WCU per KB of the larger of the item before and after,
 * strongly consistent reads 1 RCU per 4 KB.
 */
export class RequestMeter {
  private readonly counts = empty();

  attach(clients: StorageClients): this {
    this.add(clients.s3, 's3');
    this.add(clients.dynamo, 'dynamodb');
    return this;
  }

  private add(client: S3Client | DynamoDBClient, service: string): void {
    const counts = this.counts;
    const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
    (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const name = `${service}:${command}`;
        const isRead = DYNAMO_READS.has(command);
        const isWrite = DYNAMO_WRITES.has(command);
        const input = args.input as { ReturnConsumedCapacity?: string };
        if ((isRead || isWrite) && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
        try {
          const result = await next(args);
          bump(counts.ok, name);
          if (isRead || isWrite) {
            const units = sumCapacity((result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
            if (units === undefined) counts.unreported++;
            else if (isRead) counts.reportedRcu += units;
            else counts.reportedWcu += units;
          }
          return result;
        } catch (e) {
          bump(counts.failed, name);
          if ((e as Error).name === 'ConditionalCheckFailedException') counts.conditionalFailures++;
          throw e;
        }
      },
      { step: 'initialize', name: `bench-meter-${service}` },
    );
  }

  snapshot(): MeterSnapshot {
    return structuredClone(this.counts);
  }

  /** What happened between two snapshots. */
  static between(before: MeterSnapshot, after: MeterSnapshot): MeterSnapshot {
    const diff = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]).filter(([, v]) => v !== 0));
    return {
      ok: diff(before.ok, after.ok),
      failed: diff(before.failed, after.failed),
      reportedRcu: after.reportedRcu - before.reportedRcu,
      reportedWcu: after.reportedWcu - before.reportedWcu,
      unreported: after.unreported - before.unreported,
      conditionalFailures: after.conditionalFailures - before.conditionalFailures,
    };
  }
}

/** Calls in a window, successful and failed, of the named commands. */
export function callsOf(window: MeterSnapshot, names: readonly string[]): number {
  return names.reduce((s, n) => s + (window.ok[n] ?? 0) + (window.failed[n] ?? 0), 0);
}

export const S3_PUTS = ['s3:PutObjectCommand'];
export const S3_GETS = ['s3:GetObjectCommand'];
export const DYNAMO_READ_CALLS = [...DYNAMO_READS].map((c) => `dynamodb:${c}`);
export const DYNAMO_WRITE_CALLS = [...DYNAMO_WRITES].map((c) => `dynamodb:${c}`);
