import { randomBytes } from 'node:crypto';
import { assignPartitions } from '../codec/partitioner.js';
import { MAX_RECORDS_PER_REQUEST } from '../contract/limits.js';
import type { ProducedOffset } from '../contract/records.js';
import type { RunnelApi } from './api.js';
import { AdaptiveLinger } from './linger.js';
import { encodeMessage, keyBytes, produceRequestBody, type BodyFormat, type Message } from './message.js';
import { type RetryOptions } from './retry.js';

export interface ProducerConfig {
  /**
   * Give every request a producer id and per-partition sequence numbers, so that a retried request
   * is written once and answered with its original offsets (default true). Without it a retry after
   * a lost answer may write the batch twice.
   */
  idempotent?: boolean;
  /**
   * How long a record waits for company before its batch is sent, at least (default 10 ms; 0 sends at
   * once and never lingers).
   */
  lingerMs?: number;
  /**
   * The most a record waits for company (default 100 ms, the Kinesis Producer Library's
   * RecordMaxBufferedTime). While a steady stream of records keeps arriving during the wait and
   * batches stay small, the linger doubles from `lingerMs` up to this; it halves back when batches
   * fill or the stream thins, and starts again at `lingerMs` after a quiet spell (see linger.ts).
   * At or below `lingerMs`, the linger is fixed at `lingerMs`.
   */
  maxLingerMs?: number;
  /** A partition's batch is sent as soon as it holds this many bytes of records (default 1 MiB). */
  batchSize?: number;
  /** … or this many records (default 10 000, the most one request may carry). */
  maxBatchRecords?: number;
  /** Largest request body (default 5 MiB, under API Gateway's and Lambda's 6 MiB). */
  maxRequestBytes?: number;
  /** `send` waits while this many bytes are queued or in flight (default 64 MiB). */
  maxQueuedBytes?: number;
  /** Retries of a failed request, with the same body (default 10 retries, 100 ms growing to 5 s, jittered). */
  retry?: RetryOptions;
  /** Per-attempt timeout of a produce request in ms (default: the client's). */
  requestTimeout?: number;
  /**
   * Read a topic's partition count (and `max.message.bytes`) again when it is this old, before the
   * next send to it (default 300 000 ms, KafkaJS's name and default); 0 reads it before every send.
   * It is also read again at once when a message names a partition beyond the known count, and after
   * the server answers `unknown_partition` or `invalid_partition`.
   */
  metadataMaxAge?: number;
  /**
   * The request body: `cbor` (default) sends keys and values that are bytes as they are, in CBOR
   * (`application/cbor`); `json` sends them as base64 in JSON, a third larger and more work for the
   * server, for a proxy or gateway that passes only JSON. The answers are the same either way.
   */
  bodyFormat?: BodyFormat;
}

export const DEFAULT_PRODUCER_CONFIG: Required<Omit<ProducerConfig, 'requestTimeout'>> & Pick<ProducerConfig, 'requestTimeout'> = {
  idempotent: true,
  lingerMs: 10,
  maxLingerMs: 100,
  batchSize: 1024 * 1024,
  maxBatchRecords: MAX_RECORDS_PER_REQUEST,
  maxRequestBytes: 5 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 5_000, multiplier: 2 },
  metadataMaxAge: 300_000,
  bodyFormat: 'cbor',
};

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  /** Accepted for KafkaJS compatibility and ignored: every acknowledged record is durable in S3 and committed in DynamoDB. */
  acks?: number;
  timeout?: number;
  compression?: unknown;
}

export interface ProducerBatch {
  topicMessages: Array<{ topic: string; messages: Message[] }>;
  acks?: number;
  timeout?: number;
  compression?: unknown;
}

/** KafkaJS's answer to a send, per partition written, plus the offset of every message (in send order). */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: 0;
  /** Offsets are decimal strings, as in KafkaJS. */
  baseOffset: string;
  offsets: string[];
}

const newQueue = (partition: number): PartitionQueue => ({ partition, records: [], bytes: 0, inFlight: false, nextSequence: 0 });

/** One call's messages: settles once every message has an offset, or on the first failure. */
class PendingSend {
  private readonly offsets: Array<ProducedOffset | undefined>;
  private left: number;
  private settled = false;
  readonly promise: Promise<RecordMetadata[]>;
  private resolve!: (m: RecordMetadata[]) => void;
  private reject!: (e: Error) => void;

  constructor(readonly topic: string, count: number) {
    this.offsets = new Array(count);
    this.left = count;
    this.promise = new Promise((resolve, reject) => ((this.resolve = resolve), (this.reject = reject)));
  }

  delivered(index: number, offset: ProducedOffset): void {
    if (this.settled) return;
    this.offsets[index] = offset;
    if (--this.left === 0) (this.settled = true), this.resolve(this.metadata());
  }

  failed(error: Error): void {
    if (!this.settled) (this.settled = true), this.reject(error);
  }

  private metadata(): RecordMetadata[] {
    const byPartition = new Map<number, RecordMetadata>();
    for (const o of this.offsets as ProducedOffset[]) {
      let m = byPartition.get(o.partition);
      if (!m) byPartition.set(o.partition, (m = { topicName: this.topic, partition: o.partition, errorCode: 0, baseOffset: String(o.offset), offsets: [] }));
      m.offsets.push(String(o.offset));
    }
    return [...byPartition.values()];
  }
}

interface QueuedRecord {
  /** The record in the producer's body format. */
  encoded: string | Uint8Array;
  bytes: number;
  /** When it was queued: its wait for company counts from here, even when its partition was busy. */
  at: number;
  send: PendingSend;
  index: number;
}

/** A partition's queue. At most one request per partition is in flight, so its sequence numbers commit in order. */
interface PartitionQueue {
  partition: number;
  records: QueuedRecord[];
  bytes: number;
  inFlight: boolean;
  nextSequence: number;
}

interface TopicState {
  name: string;
  partitions: number;
  maxMessageBytes: number;
  /** When the partition count was read. */
  readAt: number;
  /** A read of the topic under way, shared by the sends that wait for it. */
  refreshing?: Promise<void> | undefined;
  queues: PartitionQueue[];
  /** Where unkeyed records go until that partition's batch leaves (Kafka's sticky partitioner, KIP-480). */
  sticky: number;
  linger: AdaptiveLinger;
  timer?: NodeJS.Timeout | undefined;
  /** When the timer fires. */
  timerDue: number;
}

interface RequestPart {
  queue: PartitionQueue;
  records: QueuedRecord[];
  bytes: number;
  firstSequence: number;
}

/**
 * Batches messages per partition for the linger (from `lingerMs` up to `maxLingerMs`, adapted per
 * topic to the stream) or up to `batchSize`, then sends each topic's ready partitions in one request:
 * fewer, larger segments and requests, which is what keeps S3 PUT and API costs down.
 */
export class Producer {
  /** This producer's id on the server; sequences start at 0 for each partition. */
  readonly id: string;
  private readonly config: typeof DEFAULT_PRODUCER_CONFIG;
  private readonly topics = new Map<string, Promise<TopicState>>();
  private readonly calls = new Set<Promise<unknown>>();
  private readonly spaceWaiters: Array<{ bytes: number; resolve: () => void }> = [];
  private queuedBytes = 0;
  private flushing = 0;
  private closed = false;

  constructor(
    private readonly api: RunnelApi,
    config: ProducerConfig = {},
  ) {
    this.config = { ...DEFAULT_PRODUCER_CONFIG, ...config, retry: { ...DEFAULT_PRODUCER_CONFIG.retry, ...config.retry } };
    // Fails here, at construction, on a bad lingerMs or maxLingerMs.
    this.newLinger();
    this.id = `p-${randomBytes(12).toString('base64url')}`;
  }

  /** Nothing to connect: requests are plain HTTPS. Kept for KafkaJS compatibility. */
  async connect(): Promise<void> {
    this.closed = false;
  }

  /** Sends what is queued, waits for every outstanding send, then refuses new ones. */
  async disconnect(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Sends every queued message now, without lingering, and waits until all sends made so far have settled. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      for (const state of this.topics.values()) void state.then((s) => this.dispatch(s), () => {});
      await Promise.allSettled([...this.calls]);
    } finally {
      this.flushing--;
    }
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const call = this.enqueue(record.topic, record.messages);
    this.calls.add(call);
    const forget = () => this.calls.delete(call);
    call.then(forget, forget);
    return call;
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const results = await Promise.all(batch.topicMessages.map((t) => this.send({ topic: t.topic, messages: t.messages })));
    return results.flat();
  }

  private async enqueue(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new Error('the producer is disconnected; call connect() before sending');
    if (!Array.isArray(messages)) throw new TypeError('messages must be an array');
    if (messages.length === 0) return [];
    const state = await this.topicState(topic);
    const beyond = messages.some((m) => typeof m?.partition === 'number' && m.partition >= state.partitions);
    // Partitions may have been added since the count was read.
    if (beyond || Date.now() - state.readAt >= this.config.metadataMaxAge) await this.refresh(state);
    const random = () => (state.sticky + 0.5) / state.partitions;
    const partitions = assignPartitions(
      messages.map((m, i) => {
        const p = m?.partition;
        if (p !== undefined && !(Number.isInteger(p) && p >= 0 && p < state.partitions)) {
          throw new RangeError(`messages[${i}].partition: ${p} is not a partition of "${topic}" (0..${state.partitions - 1})`);
        }
        return { key: keyBytes(m?.key), partition: p };
      }),
      state.partitions,
      random,
    );
    // Encoding and size checks come before anything is queued, so a bad message fails its own send only.
    const encoded = messages.map((m, i) => {
      const e = encodeMessage(m, partitions[i]!, `messages[${i}]`, this.config.bodyFormat);
      if (e.recordBytes > state.maxMessageBytes) {
        throw new RangeError(`messages[${i}]: ${e.recordBytes} bytes exceeds max.message.bytes ${state.maxMessageBytes} of "${topic}"`);
      }
      if (e.wireBytes > this.config.maxRequestBytes) throw new RangeError(`messages[${i}]: ${e.wireBytes} bytes exceeds maxRequestBytes`);
      return e;
    });
    const bytes = encoded.reduce((sum, e) => sum + e.wireBytes, 0);
    await this.reserve(bytes);
    const send = new PendingSend(topic, messages.length);
    const now = Date.now();
    state.linger.arrived(now, state.queues.every((q) => q.records.length === 0 && !q.inFlight));
    encoded.forEach((e, index) => {
      const queue = state.queues[partitions[index]!]!;
      queue.records.push({ encoded: e.encoded, bytes: e.wireBytes, at: now, send, index });
      queue.bytes += e.wireBytes;
    });
    this.schedule(state);
    return send.promise;
  }

  private newLinger(): AdaptiveLinger {
    // A lingerMs above maxLingerMs is a fixed linger of lingerMs, as before maxLingerMs existed.
    return new AdaptiveLinger(this.config.lingerMs, Math.max(this.config.lingerMs, this.config.maxLingerMs));
  }

  private isFull(q: PartitionQueue): boolean {
    return q.bytes >= this.config.batchSize || q.records.length >= this.config.maxBatchRecords;
  }

  private topicState(topic: string): Promise<TopicState> {
    let state = this.topics.get(topic);
    if (!state) {
      const readAt = Date.now();
      state = this.api.describeTopic(topic).then((d) => ({
        name: topic,
        partitions: d.partitions,
        maxMessageBytes: d.config['max.message.bytes'],
        readAt,
        sticky: Math.floor(Math.random() * d.partitions),
        queues: Array.from({ length: d.partitions }, (_, partition) => newQueue(partition)),
        linger: this.newLinger(),
        timerDue: Infinity,
      }));
      this.topics.set(topic, state);
      state.catch(() => this.topics.get(topic) === state && this.topics.delete(topic));
    }
    return state;
  }

  /**
   * Reads the topic again and grows its queues to the new partition count. In place: the queues'
   * sequence numbers and the records in them stay as they are, so idempotence is not disturbed.
   * A failed read leaves the state as it was; the send then goes on with the count it knew.
   */
  private refresh(state: TopicState): Promise<void> {
    state.refreshing ??= (async () => {
      const readAt = Date.now();
      try {
        const d = await this.api.describeTopic(state.name);
        for (let p = state.queues.length; p < d.partitions; p++) state.queues.push(newQueue(p));
        state.partitions = Math.max(state.partitions, d.partitions);
        state.maxMessageBytes = d.config['max.message.bytes'];
        state.readAt = readAt;
      } catch {
        // The send reports a missing topic itself; other failures are retried at the next send.
      } finally {
        state.refreshing = undefined;
      }
    })();
    return state.refreshing;
  }

  /** Sends now if a free partition's batch is full or has lingered long enough; otherwise sets the linger timer. */
  private schedule(state: TopicState): void {
    const now = Date.now();
    let due = Infinity;
    for (const q of state.queues) {
      if (q.inFlight || q.records.length === 0) continue;
      due = Math.min(due, this.isFull(q) || this.flushing > 0 ? now : q.records[0]!.at + state.linger.ms);
    }
    if (due <= now) return this.dispatch(state);
    // The linger may have shrunk since the timer was set: a record never waits past its own due time.
    if (due < state.timerDue) {
      clearTimeout(state.timer);
      state.timerDue = due;
      state.timer = setTimeout(() => {
        state.timer = undefined;
        state.timerDue = Infinity;
        this.dispatch(state);
      }, due - now);
    }
  }

  /** Sends every free partition's queued records, in as few requests as the size limits allow. */
  private dispatch(state: TopicState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.timerDue = Infinity;
    const free = state.queues.filter((q) => !q.inFlight && q.records.length > 0);
    let full = free.some((q) => this.isFull(q));
    let first = Infinity;
    let last = -Infinity;
    for (;;) {
      const parts = this.takeRequest(state);
      if (parts.length === 0) break;
      for (const p of parts) {
        first = Math.min(first, p.records[0]!.at);
        last = Math.max(last, p.records[p.records.length - 1]!.at);
      }
      if (parts.some((p) => p.queue.partition === state.sticky) && state.partitions > 1) {
        state.sticky = (state.sticky + 1 + Math.floor(Math.random() * (state.partitions - 1))) % state.partitions;
      }
      void this.sendRequest(state, parts);
    }
    // Records left behind in a partition just sent did not fit in its request: that batch was full.
    full ||= free.some((q) => q.records.length > 0);
    // What flush() sends says nothing about the stream; the linger learns only from batches that waited.
    if (first !== Infinity && this.flushing === 0) state.linger.sent({ firstQueuedAt: first, lastQueuedAt: last, sentAt: Date.now(), full });
  }

  private takeRequest(state: TopicState): RequestPart[] {
    const parts: RequestPart[] = [];
    let requestBytes = 0;
    let requestRecords = 0;
    for (const queue of state.queues) {
      if (queue.inFlight || queue.records.length === 0) continue;
      const part: RequestPart = { queue, records: [], bytes: 0, firstSequence: queue.nextSequence };
      while (queue.records.length > 0 && part.records.length < this.config.maxBatchRecords && requestRecords < MAX_RECORDS_PER_REQUEST) {
        const next = queue.records[0]!;
        const first = requestRecords === 0;
        if (!first && (part.bytes + next.bytes > this.config.batchSize || requestBytes + next.bytes > this.config.maxRequestBytes)) break;
        part.records.push(queue.records.shift()!);
        part.bytes += next.bytes;
        requestBytes += next.bytes;
        requestRecords++;
      }
      if (part.records.length === 0) break;
      queue.inFlight = true;
      queue.bytes -= part.bytes;
      queue.nextSequence += part.records.length;
      parts.push(part);
    }
    return parts;
  }

  private async sendRequest(state: TopicState, parts: RequestPart[]): Promise<void> {
    const records = parts.flatMap((p) => p.records);
    const producer = this.config.idempotent ? { id: this.id, sequences: Object.fromEntries(parts.map((p) => [String(p.queue.partition), p.firstSequence])) } : undefined;
    const body = produceRequestBody(records.map((r) => r.encoded), producer);
    try {
      // Retries repeat this exact body, so the server recognises a batch it already committed.
      const { offsets } = await this.api.produce(state.name, body, { idempotent: true, retry: this.config.retry, timeout: this.config.requestTimeout });
      records.forEach((r, i) => r.send.delivered(r.index, offsets[i]!));
    } catch (error) {
      for (const r of records) r.send.failed(error as Error);
      const code = (error as { code?: string }).code;
      if (code === 'unknown_topic') this.topics.delete(state.name);
      // The server knows other partitions than we do: read the count again before the next send.
      if (code === 'unknown_partition' || code === 'invalid_partition') state.readAt = -Infinity;
    } finally {
      for (const p of parts) p.queue.inFlight = false;
      this.release(parts.reduce((sum, p) => sum + p.bytes, 0));
      this.schedule(state);
    }
  }

  /** Back-pressure: waits, first come first served, while too much is queued or in flight. */
  private async reserve(bytes: number): Promise<void> {
    if (this.spaceWaiters.length === 0 && this.hasSpaceFor(bytes)) {
      this.queuedBytes += bytes;
      return;
    }
    await new Promise<void>((resolve) => this.spaceWaiters.push({ bytes, resolve }));
  }

  private hasSpaceFor(bytes: number): boolean {
    return this.queuedBytes === 0 || this.queuedBytes + bytes <= this.config.maxQueuedBytes;
  }

  private release(bytes: number): void {
    this.queuedBytes -= bytes;
    while (this.spaceWaiters.length > 0 && this.hasSpaceFor(this.spaceWaiters[0]!.bytes)) {
      const waiter = this.spaceWaiters.shift()!;
      this.queuedBytes += waiter.bytes;
      waiter.resolve();
    }
  }
}
