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
      if (rule.phase === 'before') throw new InjectedFault(rule);
      await next(args);
      throw new InjectedFault(rule);
    },
    { step: 'initialize', name },
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
