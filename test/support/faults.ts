import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

export type Phase = 'before' | 'after';

export interface FaultRule {
  /** SDK command name, e.g. "PutObjectCommand" or "UpdateItemCommand"; or several. */
  command: string | string[];
  /** before: the call never reaches storage. after: storage applied it, but the caller never hears back. */
  phase: Phase;
  /** Only calls for which this returns true are faulted (default: all). */
  match?: (input: any) => boolean;
  /** How many matching calls to fault (default 1). */
  times?: number;
  /** Delay instead of failing. */
  delayMs?: number;
  /**
   * outside (default): the fault reaches the caller as is, as if the process died there.
   * insideRetry: a retryable network error inside the SDK's retry loop, so the SDK itself retries.
   */
  layer?: 'outside' | 'insideRetry';
  /**
   * The error the fault raises (default 'injected', a plain error). 'throttle' raises the service's
   * throttling error (DynamoDB's ProvisionedThroughputExceededException, S3's SlowDown); 'none' lets
   * the call complete normally after `meanwhile`, a stall rather than a failure.
   */
  error?: 'injected' | 'throttle' | 'none';
  /**
   * Runs at the fault point, while the faulted call is held: before the request for phase 'before',
   * after storage applied it for phase 'after'. What other writers and readers do in between.
   */
  meanwhile?: () => Promise<unknown>;
}

export class InjectedFault extends Error {
  constructor(rule: FaultRule) {
    super(`injected fault ${rule.phase} ${rule.command}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Adds an SDK middleware that faults matching commands: the real request is sent (or not), then an
 * error replaces the response. Returns a counter of how many calls it faulted.
 */
export function injectFault(client: S3Client | DynamoDBClient, rule: FaultRule): { count: () => number; remove: () => void } {
  let left = rule.times ?? 1;
  let faulted = 0;
  const name = `fault-${Math.random().toString(36).slice(2)}`;
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      const matches = [rule.command].flat().includes(context.commandName) && left > 0 && (rule.match?.(args.input) ?? true);
      if (!matches) return next(args);
      left--;
      faulted++;
      if (rule.delayMs !== undefined) {
        await new Promise((r) => setTimeout(r, rule.delayMs));
        return next(args);
      }
      const fault = faultError(rule, context.commandName);
      if (rule.phase === 'before') {
        await rule.meanwhile?.();
        if (fault) throw fault;
        return next(args);
      }
      const result = await next(args);
      await rule.meanwhile?.();
      if (fault) throw fault;
      return result;
    },
    rule.layer === 'insideRetry' ? { step: 'deserialize', name, priority: 'low' } : { step: 'initialize', name },
  );
  return { count: () => faulted, remove: () => client.middlewareStack.remove(name) };
}

/** The error a rule raises, shaped as the SDK would raise it; undefined for a stall. */
function faultError(rule: FaultRule, commandName: string): Error | undefined {
  if (rule.error === 'none') return undefined;
  const fault = new InjectedFault(rule);
  if (rule.error === 'throttle') {
    // The SDK's retry strategy recognises throttling by these names (and backs off longer for them).
    const name = /Object|Bucket/.test(commandName) ? 'SlowDown' : 'ProvisionedThroughputExceededException';
    Object.assign(fault, { name, $fault: 'client', $metadata: { httpStatusCode: name === 'SlowDown' ? 503 : 400 } });
  } else if (rule.layer === 'insideRetry') Object.assign(fault, { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: {} });
  return fault;
}

/** Counts the commands a client sends, by name: for request-cost assertions and the bench. */
export function countCommands(client: S3Client | DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      counts.set(context.commandName, (counts.get(context.commandName) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `count-${Math.random().toString(36).slice(2)}` },
  );
  return counts;
}

/** Counts the calls for which `match` holds, e.g. reads of one table; returns the running count. */
export function countMatching(client: S3Client | DynamoDBClient, match: (commandName: string, input: any) => boolean): () => number {
  let count = 0;
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      if (match(context.commandName, args.input)) count++;
      return next(args);
    },
    { step: 'initialize', name: `count-matching-${Math.random().toString(36).slice(2)}` },
  );
  return () => count;
}
