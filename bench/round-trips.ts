import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageClients } from '../lib/storage/clients.js';

/** One SDK call made on behalf of a traced operation: when it was sent and when its answer came back. */
export interface StorageCall {
  command: string;
  startMs: number;
  endMs: number;
}

/**
 * The storage round trips a caller waits for one after another: the longest chain of calls each sent
 * after the one before it had answered. Calls side by side count once, so PutObject then UpdateItem
 * is 2, and two PutObjects side by side then one UpdateItem is also 2; and a call the caller did not
 * wait for (a cache renewal in the background, overlapping the others) adds nothing.
 */
export function sequentialRoundTrips(calls: readonly StorageCall[]): number {
  // The most pairwise disjoint spans: greedily, by earliest end.
  const byEnd = [...calls].sort((a, b) => a.endMs - b.endMs);
  let rounds = 0;
  let end = -Infinity;
  for (const c of byEnd) {
    if (c.startMs >= end) {
      rounds++;
      end = c.endMs;
    }
  }
  return rounds;
}

/** The calls of one operation in the order they were sent, overlapping ones joined with "+": "PutObject → UpdateItem". */
export function callPattern(calls: readonly StorageCall[]): string {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  const groups: string[][] = [];
  let end = -Infinity;
  for (const c of sorted) {
    const name = c.command.replace(/Command$/, '');
    if (c.startMs >= end || groups.length === 0) groups.push([name]);
    else groups[groups.length - 1]!.push(name);
    end = Math.max(end, c.endMs);
  }
  return groups.map((g) => g.join(' + ')).join(' → ') || '(none)';
}

export interface RoundTripSummary {
  operations: number;
  /** Mean storage calls and sequential round trips per operation. */
  meanCalls: number;
  meanRoundTrips: number;
  /** Operations by how many sequential round trips they made. */
  byRoundTrips: Record<string, number>;
  /** The most frequent call patterns, with their counts. */
  patterns: Array<{ pattern: string; operations: number }>;
  /** Calls a traced operation started after it had answered (work it left behind): not in the counts above. */
  afterAnswer: number;
}

/** The calls one traced operation made, and when it answered. */
interface Trace {
  calls: StorageCall[];
  answeredMs: number;
}

/**
 * Records the SDK calls each traced operation makes (an HTTP request, say), by AsyncLocalStorage: the
 * calls a request's handler makes, however deep, carry its trace. A call started by one request and
 * awaited by another (a shared cache fill) is counted once, for the request that started it.
 */
export class RoundTripRecorder {
  private readonly storage = new AsyncLocalStorage<StorageCall[]>();
  private traces: Trace[] = [];
  recording = false;

  attach(clients: StorageClients): this {
    this.add(clients.s3, 's3');
    this.add(clients.dynamo, 'dynamodb');
    return this;
  }

  private add(client: S3Client | DynamoDBClient, service: string): void {
    (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
      (next, context) => async (args) => {
        const trace = this.storage.getStore();
        if (!trace) return next(args);
        const call: StorageCall = { command: context.commandName ?? 'unknown', startMs: performance.now(), endMs: NaN };
        try {
          return await next(args);
        } finally {
          call.endMs = performance.now();
          trace.push(call);
        }
      },
      // Outermost, so that a call's span covers the SDK's retries and the latency profile's service time.
      { step: 'initialize', priority: 'high', name: `bench-round-trips-${service}` },
    );
  }

  /** Runs one operation under a trace of its own, kept while recording is on. */
  async trace<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.recording) return operation();
    const trace: Trace = { calls: [], answeredMs: Infinity };
    this.traces.push(trace);
    try {
      return await this.storage.run(trace.calls, operation);
    } finally {
      trace.answeredMs = performance.now();
    }
  }

  /** Summarises the traces since the last call and forgets them. */
  take(): RoundTripSummary {
    const traces = this.traces;
    this.traces = [];
    return summariseTraces(traces);
  }
}

function summariseTraces(traces: readonly Trace[]): RoundTripSummary {
  const byRoundTrips: Record<string, number> = {};
  const patterns = new Map<string, number>();
  let calls = 0;
  let rounds = 0;
  let afterAnswer = 0;
  for (const { calls: all, answeredMs } of traces) {
    const t = all.filter((c) => c.startMs < answeredMs);
    afterAnswer += all.length - t.length;
    const r = sequentialRoundTrips(t);
    rounds += r;
    calls += t.length;
    byRoundTrips[r] = (byRoundTrips[r] ?? 0) + 1;
    const p = callPattern(t);
    patterns.set(p, (patterns.get(p) ?? 0) + 1);
  }
  const n = traces.length;
  return {
    operations: n,
    meanCalls: n ? Math.round((calls / n) * 1000) / 1000 : NaN,
    meanRoundTrips: n ? Math.round((rounds / n) * 1000) / 1000 : NaN,
    byRoundTrips,
    patterns: [...patterns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([pattern, operations]) => ({ pattern, operations })),
    afterAnswer,
  };
}
