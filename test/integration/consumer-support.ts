import type { RunnelApi } from '../../lib/client/api.js';
import type { Consumer, ConsumerConfig } from '../../lib/client/consumer.js';
import { Runnel } from '../../lib/index.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A consumer whose network can be cut: after `kill()` every request it makes fails, as if its process
 * died without leaving. Its timers keep running, which is what a zombie looks like to the server.
 */
export function killableConsumer(url: string, config: ConsumerConfig): TestConsumer {
  let dead = false;
  const committed = new Map<number, number>();
  const commitsSent = new Map<number, number>();
  const heartbeats: Heartbeat[] = [];
  const loseAnswers: Array<(method: string, path: string) => boolean> = [];
  let heartbeatGate: { opened: Promise<void>; open: () => void } | undefined;
  const runnel = new Runnel({
    url,
    retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 },
    fetch: async (input, init) => {
      if (dead) throw new TypeError('fetch failed: process killed');
      const path = String(input);
      const method = init?.method ?? 'GET';
      // A hung heartbeat ignores its own timeout, as it does in a stopped process: it goes out only when the gate opens.
      if (heartbeatGate && path.endsWith('/heartbeat')) await heartbeatGate.opened;
      const sentAt = Date.now();
      // Sent is not acknowledged: an answer that times out or is lost may still have been applied.
      if (method === 'POST' && path.endsWith('/commits')) {
        for (const o of JSON.parse(String(init!.body)).offsets) commitsSent.set(o.partition, Math.max(o.offset, commitsSent.get(o.partition) ?? 0));
      }
      const res = await fetch(input, init);
      const lose = loseAnswers.findIndex((match) => match(method, new URL(path).pathname));
      if (lose >= 0) {
        loseAnswers.splice(lose, 1);
        throw new TypeError('fetch failed: connection reset after the request was sent');
      }
      // The committed offsets this member started from and then moved: what the server holds for it.
      if (res.ok && init?.method === 'POST' && path.endsWith('/commits')) {
        for (const o of JSON.parse(String(init.body)).offsets) committed.set(o.partition, Math.max(o.offset, committed.get(o.partition) ?? 0));
      }
      if (res.ok && init?.method === 'POST' && (path.endsWith('/members') || path.endsWith('/heartbeat'))) {
        const answer = (await res.clone().json()) as any;
        heartbeats.push({
          sentAt,
          answeredAt: Date.now(),
          partitions: answer.assignments.map((a: any) => a.partition),
          committedOffsets: new Map(answer.assignments.map((a: any) => [a.partition, a.committedOffset])),
        });
        for (const a of answer.assignments) if (!committed.has(a.partition) && a.committedOffset !== null) committed.set(a.partition, a.committedOffset);
      }
      return res;
    },
  });
  return {
    consumer: runnel.consumer(config),
    api: runnel.api,
    committed,
    commitsSent,
    heartbeats,
    kill: () => (dead = true),
    loseNextAnswer: (match) => loseAnswers.push(match),
    hangHeartbeats: () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      heartbeatGate = { opened, open };
    },
    releaseHeartbeats: () => {
      heartbeatGate?.open();
      heartbeatGate = undefined;
    },
  };
}

export interface TestConsumer {
  consumer: Consumer;
  api: RunnelApi;
  /** The last offset the server acknowledged per partition, from this consumer's commit requests. */
  committed: Map<number, number>;
  /** The highest offset per partition this consumer sent in a commit, answered or not. */
  commitsSent: Map<number, number>;
  /** Every answered join and heartbeat: when it was sent and answered, and the partitions it held. */
  heartbeats: Heartbeat[];
  kill(): void;
  /** The next request `match` accepts reaches the server, which applies it, but its answer is lost. */
  loseNextAnswer(match: (method: string, path: string) => boolean): void;
  /** From now on heartbeats hang, never answered and never timing out, until `releaseHeartbeats`; other requests go on. */
  hangHeartbeats(): void;
  /** Sends the hung heartbeats, whose answers then arrive late. */
  releaseHeartbeats(): void;
}

export interface Heartbeat {
  sentAt: number;
  answeredAt: number;
  partitions: number[];
  /** Each held partition's committed offset as the answer gave it (null: none committed). */
  committedOffsets: Map<number, number | null>;
}

export interface Processed {
  member: string;
  topic: string;
  partition: number;
  offset: number;
  value: any;
}

/** Which member processed which record, in processing order. */
export class ProcessedLog {
  readonly entries: Processed[] = [];

  add(member: string, topic: string, partition: number, offset: string, value: unknown): void {
    this.entries.push({ member, topic, partition, offset: Number(offset), value });
  }

  /** Distinct record values seen. */
  values(): Set<string> {
    return new Set(this.entries.map((e) => JSON.stringify(e.value)));
  }

  firstBy(member: string, partition: number): Processed | undefined {
    return this.entries.find((e) => e.member === member && e.partition === partition);
  }

  lastBy(member: string, partition: number): Processed | undefined {
    return this.entries.findLast((e) => e.member === member && e.partition === partition);
  }
}
