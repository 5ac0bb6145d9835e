import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

export type Phase = 'before' | 'after';

export interface FaultRule {
  /** SDK command name, e.g. "PutObjectCommand" or "UpdateItemCommand". */
  command: string;
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
      const matches = context.commandName === rule.command && left > 0 && (rule.match?.(args.input) ?? true);
      if (!matches) return next(args);
      left--;
      faulted++;
      if (rule.delayMs !== undefined) {
        await new Promise((r) => setTimeout(r, rule.delayMs));
        return next(args);
      }
      const fault = new InjectedFault(rule);
      if (rule.layer === 'insideRetry') Object.assign(fault, { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: {} });
      if (rule.phase === 'before') throw fault;
      await next(args);
      throw fault;
    },
    rule.layer === 'insideRetry' ? { step: 'deserialize', name, priority: 'low' } : { step: 'initialize', name },
  );
  return { count: () => faulted, remove: () => client.middlewareStack.remove(name) };
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
