import { LeaseStore } from '../../lib/groups/lease-store.js';
import type { ServicesOptions } from '../../lib/runtime.js';
import { createStorageClients } from '../../lib/storage/clients.js';
import { CLEANER_SORT_KEY, HEAD_SORT_KEY } from '../../lib/storage/schema.js';
import { withQuickRetries } from './quick-retries.js';
import { injectFault, type FaultRule } from '../support/faults.js';
import { createTestStack, type Backend, type TestStack } from '../support/stack.js';
import { before, type Grant, type History, type ProduceAttempt, type ProduceRequest, type SentRecord, type Stamp } from './history.js';
import { GROUP, OTHER_WRITER, TOPIC, type Fault, type Op, type Schedule } from './schedule.js';

/** Where every schedule's clock starts: record timestamps, retention and group sessions all use it. */
export const CLOCK_START = 1_800_000_000_000;

/** Whether an op's fault may fail its request: no, with any 5xx, or only with this status. */
type Faulted = boolean | 503;

interface IdempotentProducer {
  id: string;
  generation: number;
  /** Next sequence number per partition. */
  next: Map<number, number>;
  /** First sequence of the last committed batch per partition. */
  lastBatch: Map<number, number>;
  /** A request that got no answer: the producer resends it before anything else, as the client does. */
  pending?: ProduceRequest;
  lastAcked?: ProduceRequest;
}

interface Held {
  partition: number;
  epoch: number;
  position?: number;
  committedAtGrant: number | null;
  /** The topic incarnation its position belongs to, where the server tells (assignments, fetch answers). */
  topicId?: string;
  grant: Grant;
}

interface Member {
  index: number;
  id: string;
  instance: number;
  joined: boolean;
  killed: boolean;
  /** Server time of the last successful join or heartbeat; the lease runs until this plus the session. */
  lastBeat: number;
  held: Map<number, Held>;
}

export interface FinalRecord {
  offset: number;
  value: any;
  key: string | null;
  timestamp: number;
}

export interface RunResult {
  history: History;
  /** Each partition of the topic as it is at the end, read whole through a fresh instance. */
  final: Map<number, { logStartOffset: number; highWatermark: number; records: FinalRecord[] }>;
  /** Every record the group's members processed, as `partition:offset:tag`. */
  processed: Set<string>;
  /** The group's committed offset per partition on the topic as it is at the end. */
  committed: Map<number, number>;
}

/**
 * Runs one schedule against fresh storage on a backend: several Runnel instances on the same tables
 * (concurrent Lambda instances), one clock the schedule moves, faults from SDK middleware.
 */
export class ScheduleRunner {
  readonly clock = { now: CLOCK_START };
  private step = 0;
  private stacks: TestStack[] = [];
  private base!: TestStack;
  private readonly history: History = { attempts: [], incarnations: [], reads: [], retentionCutoff: -Infinity, violations: [] };
  private readonly producers: Array<IdempotentProducer | undefined> = [];
  private readonly members: Member[] = [];
  private readonly grants: Grant[] = [];
  private requests = 0;
  private tags = 0;
  private leases!: LeaseStore;
  /** Last observed committed offset per partition, with the topic id it was committed against (G3). */
  private readonly committed = new Map<number, { topicId?: string; offset?: number }>();
  /** Every record a member processed, as `partition:offset:tag`. */
  private readonly processed = new Set<string>();

  constructor(
    private readonly backend: Backend,
    private readonly schedule: Schedule,
  ) {}

  /** Each instance its own SDK clients, as each Lambda instance has. */
  private options(): ServicesOptions {
    const config = this.base?.config;
    return {
      log: { maxTailEntries: this.schedule.maxTailEntries },
      clock: () => this.clock.now,
      ...(config ? { clients: withQuickRetries(createStorageClients(config)) } : {}),
    };
  }

  private violation(message: string) {
    this.history.violations.push(message);
  }

  private stamp(): Stamp {
    return { t: this.clock.now, step: ++this.step };
  }

  async run(): Promise<RunResult> {
    const first = await createTestStack(this.backend, this.options());
    this.base = first.another(this.options());
    this.stacks = [this.base, ...Array.from({ length: this.schedule.instances - 1 }, () => this.base.another(this.options()))];
    this.leases = new LeaseStore(this.base.runnel.clients.dynamo, this.base.config.groupsTable);
    this.schedule.producers.forEach((p, i) => (this.producers[i] = p.idempotent ? newProducer(i, 0) : undefined));
    await this.createTopic();
    await this.runOps(this.schedule.ops);
    return this.finish();
  }

  private async runOps(ops: Op[]): Promise<void> {
    for (const op of ops) await this.runOp(op);
  }

  /** HARNESS_TRACE=1 prints each operation and answer as it runs: what a replay is for. */
  private trace(line: string | (() => string)) {
    if (process.env.HARNESS_TRACE) console.log(`[${this.step}] t+${this.clock.now - CLOCK_START} ${typeof line === 'string' ? line : line()}`);
  }

  private async runOp(op: Op): Promise<void> {
    this.trace(() => JSON.stringify(op, (k, v) => (k === 'meanwhile' ? (v as Op[]).map((o) => o.kind) : v)));
    switch (op.kind) {
      case 'produce':
        return this.withFault(op.instance, op.fault, () => this.produce(op));
      case 'read':
        return this.withFault(op.instance, op.fault, () => this.read(op.instance, op.partition, op.from, op.fault));
      case 'maintain':
        return this.withFault(op.instance, op.fault, () => this.maintain(op.instance, op.advanceMs, op.fault !== undefined));
      case 'delete-topic':
        return this.deleteTopic(op.instance, op.fault);
      case 'create-topic':
        return this.createTopic();
      case 'tick':
        return this.tick(op.ms);
      case 'settle':
        return this.settle();
      default:
        return this.groupOp(op);
    }
  }

  // ---- faults

  private async withFault(instance: number, fault: Fault | undefined, run: () => Promise<void>): Promise<void> {
    if (!fault) return run();
    const stack = this.stacks[instance]!;
    const rule = this.faultRule(fault);
    const client = ['segment-put', 'segment-get', 'segment-delete'].includes(fault.point) ? stack.runnel.clients.s3 : stack.runnel.clients.dynamo;
    const injected = injectFault(client, rule);
    try {
      await run();
    } finally {
      injected.remove();
    }
  }

  private faultRule(fault: Fault): FaultRule {
    const { logTable, topicsTable } = this.base.config;
    const onPartition = (pk: string | undefined) => fault.partition === undefined || (pk ?? '').endsWith(`#${fault.partition}`);
    let seen = 0;
    const nth = (matches: (input: any) => boolean) => (input: any) => matches(input) && seen++ === (fault.nth ?? 0);
    const where: Pick<FaultRule, 'command' | 'match'> = (() => {
      switch (fault.point) {
        case 'segment-put':
          return { command: 'PutObjectCommand', match: (i: any) => fault.partition === undefined || String(i.Key).includes(`/${fault.partition}/`) };
        case 'segment-get':
          return { command: 'GetObjectCommand' };
        case 'segment-delete':
          return { command: ['DeleteObjectCommand', 'DeleteObjectsCommand'] };
        case 'append':
          return { command: 'UpdateItemCommand', match: (i: any) => i.TableName === logTable && /list_append/.test(i.UpdateExpression) && onPartition(i.Key?.p?.S) };
        case 'roll-chunk':
          return { command: 'PutItemCommand', match: (i: any) => i.TableName === logTable && i.Item?.b?.N !== String(HEAD_SORT_KEY) && !i.Item?.gen && onPartition(i.Item?.p?.S) };
        case 'chunk-swap':
          return { command: 'PutItemCommand', match: nth((i: any) => i.TableName === logTable && i.Item?.gen !== undefined) };
        case 'cleaner-write':
          return { command: 'UpdateItemCommand', match: nth((i: any) => i.TableName === logTable && i.Key?.b?.N === String(CLEANER_SORT_KEY)) };
        case 'head-read':
          return { command: 'GetItemCommand', match: (i: any) => i.TableName === logTable && i.Key?.b?.N === String(HEAD_SORT_KEY) && onPartition(i.Key?.p?.S) };
        case 'topic-delete':
          return { command: 'DeleteItemCommand', match: (i: any) => i.TableName === topicsTable && i.Key?.name?.S === TOPIC };
      }
    })();
    const meanwhile = fault.meanwhile.length ? () => this.runOps(fault.meanwhile) : undefined;
    const effect: Partial<FaultRule> = {
      error: { 'throttle': 'throttle', 'throttle-retried': 'throttle', stall: 'none', error: 'injected', 'timeout-retried': 'injected' }[fault.effect] as FaultRule['error'],
      layer: fault.effect.endsWith('-retried') ? 'insideRetry' : 'outside',
    };
    return { ...where, phase: fault.phase, ...effect, meanwhile };
  }

  // ---- the topic

  private async createTopic(): Promise<void> {
    // A cold instance: one with the topic cached would answer topic_exists for up to its cache's lifetime.
    const fresh = this.base.another(this.options());
    const start = ++this.step;
    const res = await fresh.request('POST', '/v1/topics', {
      name: TOPIC,
      partitions: this.schedule.partitions,
      config: { 'retention.ms': String(this.schedule.retentionMs) },
    });
    const end = ++this.step;
    this.trace(`  create topic: ${res.status}`);
    if (res.status === 201) {
      const topic = await fresh.runnel.topics.find(TOPIC, true);
      this.history.incarnations.push({ createdAt: end, topicId: topic?.topicId });
    } else if (res.status !== 409) this.violation(`create topic (step ${start}) answered ${res.status} ${JSON.stringify(res.body)}`);
  }

  private get current() {
    return this.history.incarnations[this.history.incarnations.length - 1];
  }

  private async deleteTopic(instance: number, fault: Fault | undefined): Promise<void> {
    // Warm every instance's topic cache, so that a writer in `meanwhile` still has the old topic.
    if (fault) for (const s of this.stacks) await s.request('GET', `/v1/topics/${TOPIC}`);
    const current = this.current;
    const start = ++this.step;
    if (current && current.deleteStartedAt === undefined) current.deleteStartedAt = start;
    await this.withFault(instance, fault, async () => {
      const res = await this.stacks[instance]!.request('DELETE', `/v1/topics/${TOPIC}`);
      ++this.step;
      if (res.status !== 204 && res.status !== 404) this.violation(`delete topic (step ${start}) answered ${res.status}`);
    });
  }

  private async maintain(instance: number, advanceMs: number, faulted: boolean): Promise<void> {
    this.clock.now += advanceMs;
    const now = this.clock.now;
    try {
      // Merging at once: a schedule's segments are a second old. Compaction needs a compacted topic,
      // which the checker's L1 does not model; merging keeps every record, so every check holds as is.
      await this.stacks[instance]!.runnel.maintain({ now, cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 2 } });
      this.history.retentionCutoff = Math.max(this.history.retentionCutoff, now - this.schedule.retentionMs);
    } catch (e) {
      // Retention may have moved the log start before the pass failed.
      this.history.retentionCutoff = Math.max(this.history.retentionCutoff, now - this.schedule.retentionMs);
      if (!faulted) this.violation(`maintenance without a fault threw: ${(e as Error).message}`);
    }
  }

  // ---- producing

  private async produce(op: Extract<Op, { kind: 'produce' }>): Promise<void> {
    const producer = op.producer === OTHER_WRITER ? undefined : this.producers[op.producer];
    // A stall or a retried throttle must not fail the request. An answer lost after DynamoDB applied the
    // append may: the writer resolves it by reading the log, and answers 503 (retry) when retention has
    // since passed the point it can search from.
    const faulted: Faulted = op.fault === undefined || op.fault.effect === 'stall' || op.fault.effect === 'throttle-retried' ? false : op.fault.effect === 'timeout-retried' ? 503 : true;
    if (producer?.pending) {
      // The client's retry of a request it never heard back about: the same body, wherever it lands.
      return this.sendIdempotent(producer, producer.pending, op.instance, op, faulted, 'retry');
    }
    if (producer && op.variant === 'extended-retry' && producer.lastAcked) {
      const original = producer.lastAcked;
      const body = structuredClone(original.body) as any;
      const first = original.records[0]!;
      const extra = this.sentRecord(first.partition, 'kx', producer.id, (first.sequence ?? 0) + original.records.filter((r) => r.partition === first.partition).length);
      body.records.push(wire(extra));
      const request: ProduceRequest = { id: ++this.requests, idempotent: true, records: [...original.records, extra], newTags: new Set([extra.tag]), body };
      return this.sendIdempotent(producer, request, op.instance, op, faulted, 'extended-retry');
    }
    const records: SentRecord[] = [];
    const sequences: Record<string, number> = {};
    let stale = op.variant === 'stale-sequence' && producer ? op.parts.slice(1).find((p) => (producer.lastBatch.get(p.partition!) ?? 0) > 0)?.partition : undefined;
    for (const part of op.parts) {
      const p = part.partition;
      let seq = producer && p !== null ? (p === stale ? producer.lastBatch.get(p)! - 1 : (producer.next.get(p) ?? 0)) : undefined;
      if (producer) sequences[String(p)] = seq!;
      for (const key of part.keys) records.push(this.sentRecord(p === null ? undefined : p, key, producer?.id, seq !== undefined ? seq++ : undefined));
    }
    const variant = stale !== undefined ? 'stale-sequence' : op.variant === 'bad-partition' ? 'bad-partition' : 'normal';
    if (variant === 'bad-partition') records.push(this.sentRecord(this.schedule.partitions, null, undefined, undefined));
    const body: any = { records: records.map(wire) };
    if (producer) body.producer = { id: producer.id, sequences };
    const request: ProduceRequest = { id: ++this.requests, idempotent: !!producer, records, newTags: new Set(records.map((r) => r.tag)), body };
    if (producer) return this.sendIdempotent(producer, request, op.instance, op, faulted, variant);
    const first = await this.attempt(request, op.instance, op.dropAnswer, faulted, variant);
    if (first.status !== 200 && (first.status === 'dropped' || first.status >= 500) && op.retryOn !== undefined) {
      await this.attempt(request, op.retryOn, false, false, 'retry');
    }
  }

  private sentRecord(partition: number | undefined, key: string | null, producer: string | undefined, sequence: number | undefined): SentRecord {
    const tag = `t${++this.tags}`;
    return { tag, partition, key, timestamp: this.clock.now, producer, sequence };
  }

  private async sendIdempotent(producer: IdempotentProducer, request: ProduceRequest, instance: number, op: Extract<Op, { kind: 'produce' }>, faulted: Faulted, variant: string) {
    const attempt = await this.attempt(request, instance, op.dropAnswer, faulted, variant);
    const isNew = variant === 'normal' || variant === 'retry';
    if (attempt.status === 200) {
      // A re-created topic's fresh heads accept a stale sequence or a mismatched retry as a new batch,
      // so the producer carries on after it; a gap in sequences is harmless.
      if (isNew || variant === 'stale-sequence' || variant === 'extended-retry') {
        for (const [p, seq] of Object.entries((request.body as any).producer.sequences as Record<string, number>)) {
          const count = request.records.filter((r) => r.partition === Number(p)).length;
          producer.next.set(Number(p), Math.max(producer.next.get(Number(p)) ?? 0, seq + count));
          producer.lastBatch.set(Number(p), seq);
        }
      }
      if (isNew) {
        producer.lastAcked = request;
        producer.pending = undefined;
      }
    } else if (attempt.status === 'dropped' || attempt.status >= 500) {
      if (isNew) producer.pending = request;
    } else {
      // Refused for good: the client gives up on the batch. After a refused retry it cannot know which
      // sequences committed, so it starts over with a new producer id, as Kafka's producer bumps its epoch.
      if (variant === 'retry') Object.assign(producer, newProducer(Number(producer.id.slice(1).split('g')[0]), producer.generation + 1));
      else if (isNew) producer.pending = undefined;
    }
  }

  private async attempt(request: ProduceRequest, instance: number, dropAnswer: boolean, faulted: Faulted, variant: string): Promise<ProduceAttempt> {
    const start = ++this.step;
    const res = await this.stacks[instance]!.request('POST', `/v1/topics/${TOPIC}/records`, request.body);
    const end = ++this.step;
    const attempt: ProduceAttempt = { request, instance, start, end, status: dropAnswer ? 'dropped' : res.status, variant };
    if (res.status === 200 && !dropAnswer) attempt.offsets = res.body.offsets.map((o: any) => ({ partition: o.partition, offset: o.offset }));
    if (res.status >= 500 && faulted !== true && res.status !== faulted) this.violation(`produce request ${request.id} (step ${start}, no failing fault) answered ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status >= 400 && res.status < 500 && res.body?.error?.code === undefined) this.violation(`produce request ${request.id} answered ${res.status} without an error body`);
    this.history.attempts.push(attempt);
    this.trace(() => `  request ${request.id} (${variant}) on ${instance}: ${attempt.status} ${attempt.offsets ? JSON.stringify(attempt.offsets) : JSON.stringify(res.body).slice(0, 160)} ${request.records.map((r) => r.tag).join(',')}`);
    return attempt;
  }

  // ---- reading

  private async bounds(stack: TestStack, partition: number): Promise<{ logStartOffset: number; highWatermark: number } | undefined> {
    const res = await stack.request('GET', `/v1/topics/${TOPIC}`);
    return res.status === 200 ? res.body.partitionStates[partition] : undefined;
  }

  private async read(instance: number, partition: number, from: 'start' | 'middle' | 'end', fault: Fault | undefined): Promise<void> {
    const stack = this.stacks[instance]!;
    const b = await this.bounds(this.base.another(this.options()), partition);
    if (!b) return;
    const offset = from === 'start' ? b.logStartOffset : from === 'end' ? b.highWatermark : Math.floor((b.logStartOffset + b.highWatermark) / 2);
    const start = ++this.step;
    const res = await stack.request('GET', `/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}&limit=1000`);
    const end = ++this.step;
    const faulted = fault !== undefined && fault.effect !== 'stall';
    this.trace(() => `  read ${partition}@${offset}: ${res.status} ${res.status === 200 ? res.body.records.map((r: any) => `${r.offset}=${r.value?.t}`).join(',') : JSON.stringify(res.body)}`);
    this.history.reads.push({ start, end, partition, offset, status: res.status, records: res.status === 200 ? res.body.records : [], errorBody: res.body, faulted });
  }

  // ---- the consumer group, driven through the groups API with the schedule's clock (G7)

  private member(index: number, instance: number): Member {
    return (this.members[index] ??= { index, id: `m${index}`, instance, joined: false, killed: false, lastBeat: 0, held: new Map() });
  }

  private async groupOp(op: Extract<Op, { member: number }>): Promise<void> {
    const m = this.member(op.member, op.instance);
    m.instance = op.instance;
    if (op.kind === 'zombie-commit') return this.zombieCommit(m);
    if (m.killed) return;
    if (op.kind === 'join' || !m.joined) await this.join(m);
    if (!m.joined) return;
    if (op.kind === 'consume') await this.consume(m);
    if (op.kind === 'leave') await this.leave(m);
    if (op.kind === 'kill') {
      m.killed = true;
      // It never heard otherwise, so it believes in its leases until its own timer runs out.
      for (const h of m.held.values()) h.grant.end ??= { t: m.lastBeat + this.schedule.sessionMs, step: 0 };
    }
    await this.observeCommitted();
  }

  private request(m: Member, method: string, path: string, body?: unknown) {
    return this.stacks[m.instance]!.request(method, `/v1/groups/${GROUP}${path}`, body);
  }

  private async join(m: Member): Promise<void> {
    const at = this.clock.now;
    const res = await this.request(m, 'POST', '/members', { topics: [TOPIC], sessionTimeoutMs: this.schedule.sessionMs, memberId: m.id });
    if (res.status !== 200) {
      if (res.status >= 500) this.violation(`join of ${m.id} answered ${res.status} ${JSON.stringify(res.body)}`);
      return;
    }
    // A join starts afresh: whatever it held before is gone.
    this.lose(m, [...m.held.keys()]);
    m.joined = true;
    m.lastBeat = at;
    await this.applyAssignments(m, res.body);
  }

  private async heartbeat(m: Member): Promise<void> {
    const at = this.clock.now;
    const res = await this.request(m, 'POST', `/members/${m.id}/heartbeat`);
    if (res.status === 404) {
      this.lose(m, [...m.held.keys()]);
      m.joined = false;
      return;
    }
    if (res.status !== 200) {
      this.violation(`heartbeat of ${m.id} answered ${res.status} ${JSON.stringify(res.body)}`);
      return;
    }
    m.lastBeat = at;
    await this.applyAssignments(m, res.body);
  }

  private lose(m: Member, partitions: number[]) {
    const at = this.stamp();
    for (const p of partitions) {
      const h = m.held.get(p);
      if (!h) continue;
      if (!h.grant.end || before(at, h.grant.end)) h.grant.end = at;
      m.held.delete(p);
    }
  }

  private async applyAssignments(m: Member, answer: { assignments: Array<{ topic: string; partition: number; epoch: number; topicId?: string | null; committedOffset: number | null; handoff: boolean }> }) {
    const now = answer.assignments.filter((a) => a.topic === TOPIC);
    this.lose(m, [...m.held.keys()].filter((p) => !now.some((a) => a.partition === p && a.epoch === m.held.get(p)!.epoch)));
    // What is committed now, so that each new grant is judged against the latest commits (a release
    // in this same heartbeat round may have committed just before it).
    if (now.some((a) => !m.held.has(a.partition))) await this.observeCommitted();
    for (const a of now) {
      if (m.held.has(a.partition)) continue;
      const grant: Grant = { member: m.id, partition: a.partition, epoch: a.epoch, start: this.stamp() };
      this.checkGrant(grant, a.committedOffset, a.topicId ?? undefined);
      this.grants.push(grant);
      m.held.set(a.partition, { partition: a.partition, epoch: a.epoch, committedAtGrant: a.committedOffset, grant, ...(a.topicId ? { topicId: a.topicId } : {}) });
    }
    for (const a of now.filter((x) => x.handoff)) {
      // A graceful handoff: finish, commit and release, and only then may the next owner start (G5).
      const h = m.held.get(a.partition)!;
      const res = await this.request(m, 'POST', `/members/${m.id}/release`, {
        partitions: [h.position === undefined ? { topic: TOPIC, partition: a.partition, epoch: h.epoch } : fenced(h, h.position)],
      });
      if (res.status >= 500) this.violation(`release by ${m.id} answered ${res.status}`);
      this.lose(m, [a.partition]);
    }
  }

  /** G1 and G2's basis: a new grant starts after every other member stopped believing it held the partition, with a higher epoch. */
  private checkGrant(grant: Grant, committedOffset: number | null, topicId: string | undefined) {
    for (const g of this.grants.filter((x) => x.partition === grant.partition)) {
      if (g.epoch >= grant.epoch && !(g.member === grant.member && g.epoch === grant.epoch)) {
        this.violation(`G2: ${grant.member} got partition ${grant.partition} at epoch ${grant.epoch}, not above ${g.member}'s epoch ${g.epoch}`);
      }
      // A member that has not heard from the server stops by its own timer, a session after its last heartbeat.
      const holder = this.members.find((m) => m?.id === g.member);
      const end = g.end ?? { t: holder!.lastBeat + this.schedule.sessionMs, step: 0 };
      if (g.member !== grant.member && before(grant.start, end)) {
        this.violation(
          `G1: ${grant.member} got partition ${grant.partition} (epoch ${grant.epoch}) at t+${grant.start.t - CLOCK_START} while ${g.member} (epoch ${g.epoch}) still held it` +
            ` until t+${end.t - CLOCK_START}`,
        );
      }
    }
    // G5, G3: the new owner starts at the offset last committed on this incarnation of the topic.
    const seen = this.committed.get(grant.partition);
    const expected = seen && seen.topicId === this.current?.topicId ? (seen.offset ?? null) : null;
    // An instance whose topic cache (one second) predates a re-create names the old topic id with its
    // offset; the member then learns the new id from its first fetch and starts over, so that is fine.
    const stale = topicId !== undefined && topicId !== this.current?.topicId;
    if (committedOffset !== expected && !stale) {
      this.violation(`G5: ${grant.member} got partition ${grant.partition} starting at committed offset ${committedOffset}, but the last commit on this topic is ${expected}`);
    }
  }

  private async consume(m: Member): Promise<void> {
    for (const h of [...m.held.values()]) {
      // The client's own timer: never process past the last heartbeat plus the session.
      if (this.clock.now >= m.lastBeat + this.schedule.sessionMs) break;
      if (h.position === undefined) {
        if (h.committedAtGrant !== null) h.position = h.committedAtGrant;
        else {
          const res = await this.stacks[m.instance]!.request('GET', `/v1/topics/${TOPIC}/partitions/${h.partition}/offsets?spec=earliest`);
          if (res.status !== 200) continue;
          h.position = res.body.offset;
        }
      }
      const res = await this.stacks[m.instance]!.request('GET', `/v1/topics/${TOPIC}/partitions/${h.partition}/records?offset=${h.position}&limit=3`);
      if (res.status === 416) {
        h.position = res.body.error.logStartOffset;
        continue;
      }
      if (res.status !== 200) continue;
      if (res.body.topicId !== undefined) {
        h.topicId ??= res.body.topicId;
        if (res.body.topicId !== h.topicId) {
          // The topic was deleted and re-created under it: start where a new group would (from the beginning).
          h.topicId = res.body.topicId;
          h.position = res.body.logStartOffset;
          continue;
        }
      }
      for (const r of res.body.records) this.processed.add(`${h.partition}:${r.offset}:${r.value?.t}`);
      h.position = res.body.nextOffset;
      const commit = await this.request(m, 'POST', '/commits', { memberId: m.id, offsets: [fenced(h, h.position!)] });
      if (commit.status === 409) this.lose(m, [h.partition]);
      else if (commit.status !== 200 && commit.status !== 404) this.violation(`commit by ${m.id} answered ${commit.status} ${JSON.stringify(commit.body)}`);
    }
  }

  private async leave(m: Member): Promise<void> {
    const offsets = [...m.held.values()].filter((h) => h.position !== undefined).map((h) => fenced(h, h.position!));
    const res = await this.request(m, 'DELETE', `/members/${m.id}`, { offsets });
    if (res.status >= 500) this.violation(`leave of ${m.id} answered ${res.status}`);
    this.lose(m, [...m.held.keys()]);
    m.joined = false;
    m.killed = true;
  }

  /** A killed member wakes up and commits what it had (SIGCONT): only a lease still held may take it (G2). */
  private async zombieCommit(m: Member): Promise<void> {
    const at = this.clock.now;
    for (const h of m.held.values()) {
      if (h.position === undefined) continue;
      const res = await this.request(m, 'POST', '/commits', { memberId: m.id, offsets: [fenced(h, h.position)] });
      if (res.status === 200 && at >= m.lastBeat + this.schedule.sessionMs) {
        this.violation(`G2: a commit by ${m.id} on partition ${h.partition} (epoch ${h.epoch}) was accepted ${at - m.lastBeat - this.schedule.sessionMs} ms after its lease expired`);
      }
    }
    await this.observeCommitted();
  }

  private async tick(ms: number): Promise<void> {
    this.clock.now += ms;
    for (const m of this.members) if (m && m.joined && !m.killed) await this.heartbeat(m);
    await this.observeCommitted();
  }

  /** G4: once a session and a heartbeat interval have passed, every partition has a live owner, balanced (G5). */
  private async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await this.tick(3000);
    const live = this.members.filter((m) => m && m.joined && !m.killed);
    if (!live.length || !(await this.bounds(this.base.another(this.options()), 0))) return;
    const counts = live.map((m) => m.held.size);
    for (let p = 0; p < this.schedule.partitions; p++) {
      const owners = live.filter((m) => m.held.has(p));
      if (owners.length !== 1) this.violation(`G4: after settling, partition ${p} is held by ${owners.length} live members (${owners.map((m) => m.id)})`);
    }
    if (Math.max(...counts) - Math.min(...counts) > 1) this.violation(`G5: after settling, the live members hold ${counts} partitions`);
  }

  /** G3: committed offsets only move forward within one incarnation of the topic. */
  private async observeCommitted(): Promise<void> {
    const items = await this.leases.read(GROUP);
    for (const l of items.leases) {
      if (l.topic !== TOPIC) continue;
      const before = this.committed.get(l.partition);
      if (before && before.topicId === l.offsetTopicId && before.offset !== undefined && (l.committedOffset === undefined || l.committedOffset < before.offset)) {
        this.violation(`G3: the committed offset of partition ${l.partition} moved back from ${before.offset} to ${l.committedOffset}`);
      }
      this.committed.set(l.partition, { topicId: l.offsetTopicId, offset: l.committedOffset });
    }
  }

  // ---- the end

  private async finish(): Promise<RunResult> {
    // A real client keeps retrying a request it never heard back about; let each finish.
    for (const producer of this.producers) {
      for (let i = 0; producer?.pending && i < 3; i++) {
        await this.sendIdempotent(producer, producer.pending, i % this.stacks.length, { kind: 'produce', instance: 0, producer: 0, parts: [], variant: 'normal', dropAnswer: false }, false, 'retry');
      }
    }
    // L3: the log still takes writes on every partition.
    const last: ProduceRequest = { id: ++this.requests, idempotent: false, records: [], newTags: new Set(), body: undefined };
    last.records = Array.from({ length: this.schedule.partitions }, (_, p) => this.sentRecord(p, 'end', undefined, undefined));
    last.newTags = new Set(last.records.map((r) => r.tag));
    last.body = { records: last.records.map(wire) };
    const reader = this.base.another(this.options());
    const closing = await this.attempt(last, 0, false, false, 'normal');
    if (closing.status !== 200) this.violation(`L3: a plain produce to every partition after the schedule answered ${closing.status}`);
    const final: RunResult['final'] = new Map();
    for (let p = 0; p < this.schedule.partitions; p++) {
      const b = await this.bounds(reader, p);
      if (!b) {
        this.violation(`the topic is missing at the end`);
        break;
      }
      const records: FinalRecord[] = [];
      let offset = b.logStartOffset;
      while (offset < b.highWatermark) {
        const res = await reader.request('GET', `/v1/topics/${TOPIC}/partitions/${p}/records?offset=${offset}&limit=1000`);
        if (res.status !== 200 || !res.body.records.length) {
          if (process.env.HARNESS_TRACE) await reader.runnel.fetch.fetch({ topic: TOPIC, partition: p, offset, limit: 1000 }).catch((e) => this.trace(`  final read failed: ${e.stack}`));
          this.violation(`L3: reading partition ${p} at ${offset} (of [${b.logStartOffset}, ${b.highWatermark})) answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          break;
        }
        for (const r of res.body.records) {
          if (r.offset !== offset) this.violation(`L2: partition ${p}: read offset ${r.offset} where ${offset} was next`);
          records.push(r);
          offset = r.offset + 1;
        }
      }
      final.set(p, { ...b, records });
    }
    if (this.members.length) await this.observeCommitted();
    const committed = new Map<number, number>();
    for (const [p, c] of this.committed) if (c.topicId === this.current?.topicId && c.offset !== undefined) committed.set(p, c.offset);
    return { history: this.history, final, processed: this.processed, committed };
  }
}

/** An offset on a held partition as commits carry it: fenced by the lease's epoch and, where known, the topic's incarnation. */
function fenced(h: Held, offset: number) {
  return { topic: TOPIC, partition: h.partition, epoch: h.epoch, offset, ...(h.topicId ? { topicId: h.topicId } : {}) };
}

function newProducer(index: number, generation: number): IdempotentProducer {
  return { id: `p${index}g${generation}`, generation, next: new Map(), lastBatch: new Map() };
}

function wire(r: SentRecord) {
  return { ...(r.partition === undefined ? {} : { partition: r.partition }), key: r.key, value: { t: r.tag }, timestamp: r.timestamp };
}
