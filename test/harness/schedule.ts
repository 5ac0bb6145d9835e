import { Random } from './random.js';

/**
 * A fault schedule: a short, seeded sequence of operations against one topic on several Runnel
 * instances that share storage (concurrent Lambda instances), with SDK faults at chosen steps. It is
 * plain data, so a seed always gives the same schedule and a failure can be replayed from its seed.
 */
export interface Schedule {
  seed: number;
  partitions: number;
  /** Small, so that rolls (and the chunks retention deletes) happen within a few appends. */
  maxTailEntries: number;
  instances: number;
  /** Each producer is idempotent (an id and per-partition sequences) or plain (at-least-once). */
  producers: Array<{ idempotent: boolean }>;
  /** The topic's retention.ms; maintenance passes move the clock past it. */
  retentionMs: number;
  /** The consumer group's session timeout, on the schedule's clock. */
  sessionMs: number;
  ops: Op[];
}

/** Where in the storage calls a fault strikes. */
export type FaultPoint =
  | 'segment-put' // S3 PutObject of a produced segment
  | 'append' // the head UpdateItem that commits an entry
  | 'roll-chunk' // the PutItem that copies a full tail into a chunk
  | 'head-read' // a strongly consistent GetItem of a partition head
  | 'segment-get' // S3 GetObject of a segment
  | 'topic-delete' // the DeleteItem that removes the topic's item
  | 'segment-delete' // S3 DeleteObject(s) of retention, purge or the cleaner
  | 'chunk-swap' // the PutItem of a merge that replaces a run of chunks (docs/compaction.md)
  | 'cleaner-write'; // an UpdateItem of a partition's cleaner item: lease, recorded swap, garbage

/**
 * error: the call fails and the caller hears it (before: never sent; after: applied, answer lost).
 * throttle: ProvisionedThroughputExceededException / SlowDown reaches the caller.
 * timeout-retried: the answer is lost after storage applied the call, and the SDK's own retry resends it.
 * throttle-retried: the service throttles once and the SDK retries after its back-off.
 * stall: the call completes normally once `meanwhile` has run.
 */
export type FaultEffect = 'error' | 'throttle' | 'timeout-retried' | 'throttle-retried' | 'stall';

export interface Fault {
  point: FaultPoint;
  /** The partition whose call is faulted, where the point has one. */
  partition?: number;
  phase: 'before' | 'after';
  effect: FaultEffect;
  /** Operations other instances run while the faulted call is held. */
  meanwhile: Op[];
  /** Strike the nth matching call (0: the first), for points one operation calls several times. */
  nth?: number;
}

/** How a produce request deviates from a well-formed next request of its producer. */
export type ProduceVariant =
  | 'normal'
  /** Idempotent, several partitions, one of them with a sequence below its last committed one: must be refused whole. */
  | 'stale-sequence'
  /** The producer's last acknowledged request again with one more record: a retry that does not match its original. */
  | 'extended-retry'
  /** One record names a partition the topic does not have: refused whole. */
  | 'bad-partition';

export type Op =
  | {
      kind: 'produce';
      instance: number;
      /** An index into `producers`, or OTHER_WRITER. */
      producer: number;
      /** Per partition in the request: its number (null: keyed records, placed by the partitioner) and the records' keys. */
      parts: Array<{ partition: number | null; keys: Array<string | null> }>;
      variant: ProduceVariant;
      fault?: Fault;
      /** The HTTP answer is lost: the server ran the request, the client never heard. */
      dropAnswer: boolean;
      /** A plain producer resends a request it got no answer to, on this instance. */
      retryOn?: number;
    }
  | { kind: 'read'; instance: number; partition: number; from: 'start' | 'middle' | 'end'; fault?: Fault }
  | { kind: 'maintain'; instance: number; advanceMs: number; fault?: Fault }
  | { kind: 'delete-topic'; instance: number; fault?: Fault }
  | { kind: 'create-topic'; instance: number }
  | { kind: 'join' | 'consume' | 'leave' | 'kill' | 'zombie-commit'; member: number; instance: number }
  /** Moves the clock; every live member heartbeats, as its background timer would. */
  | { kind: 'tick'; ms: number }
  /** Ticks until a session and a heartbeat interval have passed, then checks that the group settled (G4). */
  | { kind: 'settle' };

export const TOPIC = 'h';
export const GROUP = 'g';
const KEYS = ['k0', 'k1', 'k2', 'k3', null] as const;
export const MAX_MEMBERS = 3;
/** The producer index of plain writers that act while another request is held (not one of `producers`). */
export const OTHER_WRITER = -1;

/** Generates the schedule for a seed. Pure: the same seed gives the same schedule. */
export function generateSchedule(seed: number): Schedule {
  const rnd = new Random(seed);
  const partitions = rnd.int(1, 3);
  const instances = rnd.int(2, 3);
  const producers = Array.from({ length: rnd.int(1, 3) }, () => ({ idempotent: rnd.chance(0.6) }));
  const schedule: Schedule = {
    seed,
    partitions,
    maxTailEntries: rnd.int(2, 4),
    instances,
    producers,
    retentionMs: 60_000,
    sessionMs: 6_000,
    ops: [],
  };
  const withGroup = rnd.chance(0.5);
  const length = rnd.int(6, 12);
  const gen = new OpGenerator(rnd, schedule, withGroup);
  while (schedule.ops.length < length) schedule.ops.push(...gen.next());
  return schedule;
}

class OpGenerator {
  private joined = new Set<number>();
  private killed = new Set<number>();
  private nextMember = 0;

  constructor(
    private readonly rnd: Random,
    private readonly s: Schedule,
    private readonly withGroup: boolean,
  ) {}

  /** One step; a topic delete comes with its re-create, so a schedule always ends with the topic present. */
  next(): Op[] {
    const kind = this.rnd.weighted<string>([
      [10, 'produce'],
      [2, 'read'],
      [2, 'maintain'],
      [1, 'recreate'],
      [this.withGroup ? 6 : 0, 'group'],
    ]);
    if (kind === 'produce') return [this.produce(this.rnd.int(0, this.s.instances - 1), true)];
    if (kind === 'read') return [this.read()];
    if (kind === 'maintain') return [this.maintain(true)];
    if (kind === 'recreate') {
      // A group that lives through a re-create: a member joining after it makes the leases move, so
      // new owners start on the new topic from what the group committed there (nothing, at first).
      const live = [...this.joined].filter((m) => !this.killed.has(m));
      if (!this.withGroup || !live.length) return this.recreate();
      const instance = this.rnd.int(0, this.s.instances - 1);
      const member = this.rnd.pick(live);
      const old: Op = { kind: 'consume', member, instance };
      if (this.nextMember >= MAX_MEMBERS) return [...this.recreate(), old];
      const [join] = this.groupJoin() as [Extract<Op, { member: number }>];
      const next: Op = { kind: 'consume', member: join.member, instance };
      if (this.rnd.chance(0.5)) return [...this.recreate(), old, join, { kind: 'tick', ms: 1000 }, next];
      // Or the old owner dies before it touches the new topic: its leases expire and pass on as they are.
      this.killed.add(member);
      return [...this.recreate(), join, { kind: 'kill', member, instance }, { kind: 'settle' }, next];
    }
    return this.group();
  }

  private otherInstance(than: number): number {
    return (than + this.rnd.int(1, this.s.instances - 1)) % this.s.instances;
  }

  private produce(instance: number, mayFault: boolean): Op {
    const rnd = this.rnd;
    const producer = rnd.int(0, this.s.producers.length - 1);
    const idempotent = this.s.producers[producer]!.idempotent;
    const variant = rnd.weighted<ProduceVariant>([
      [12, 'normal'],
      [idempotent && this.s.partitions > 1 ? 2 : 0, 'stale-sequence'],
      [idempotent ? 2 : 0, 'extended-retry'],
      [1, 'bad-partition'],
    ]);
    const count = rnd.int(1, Math.min(this.s.partitions, variant === 'stale-sequence' ? 3 : 2));
    const first = rnd.int(0, this.s.partitions - 1);
    const parts = Array.from({ length: variant === 'stale-sequence' ? Math.max(2, count) : count }, (_, i) => ({
      // Idempotent producers name every partition (the API requires it); plain ones sometimes let keys choose.
      partition: !idempotent && rnd.chance(0.3) ? null : (first + i) % this.s.partitions,
      keys: Array.from({ length: rnd.int(1, 3) }, () => rnd.pick(KEYS)),
    }));
    const dropAnswer = rnd.chance(0.1);
    const op: Op = { kind: 'produce', instance, producer, parts, variant, dropAnswer };
    if (!idempotent && (dropAnswer || rnd.chance(0.1))) op.retryOn = this.otherInstance(instance);
    if (mayFault && rnd.chance(0.35)) op.fault = this.produceFault(instance, parts[0]!.partition ?? undefined);
    return op;
  }

  private produceFault(instance: number, partition: number | undefined): Fault {
    const rnd = this.rnd;
    const point = rnd.weighted<FaultPoint>([
      [2, 'segment-put'],
      [5, 'append'],
      [1, 'roll-chunk'],
    ]);
    const effect = rnd.weighted<FaultEffect>([
      [3, 'error'],
      [1, 'throttle'],
      [point === 'segment-put' ? 0 : 4, 'timeout-retried'],
      [0.3, 'throttle-retried'],
      [2, 'stall'],
    ]);
    const phase = effect === 'timeout-retried' ? 'after' : effect === 'throttle' || effect === 'throttle-retried' ? 'before' : rnd.pick(['before', 'after'] as const);
    // Other writers fill the same partition's tail while this call hangs, so a roll happens in between.
    const meanwhile: Op[] = [];
    const writers = effect === 'timeout-retried' || effect === 'stall' ? rnd.int(0, this.s.maxTailEntries + 1) : 0;
    for (let i = 0; i < writers; i++) {
      const op = this.produce(this.otherInstance(instance), false) as Extract<Op, { kind: 'produce' }>;
      if (partition !== undefined) op.parts = [{ partition, keys: op.parts[0]!.keys }];
      // Other writers: plain ones, since the faulted producer has its one request per partition in flight.
      Object.assign(op, { producer: OTHER_WRITER, variant: 'normal', retryOn: undefined });
      if (op.parts[0]!.partition === null) op.parts[0]!.partition = 0;
      meanwhile.push(op);
    }
    return { point, partition, phase, effect, meanwhile };
  }

  private read(): Op {
    const instance = this.rnd.int(0, this.s.instances - 1);
    const op: Op = { kind: 'read', instance, partition: this.rnd.int(0, this.s.partitions - 1), from: this.rnd.pick(['start', 'middle', 'end'] as const) };
    // A reader that stalls after reading the head while retention runs elsewhere, once or twice: past
    // the delay after which what fell below the log start is deleted.
    if (this.rnd.chance(0.5)) {
      const passes = Array.from({ length: this.rnd.int(1, 2) }, () => this.maintain(false, this.otherInstance(instance)));
      op.fault = { point: 'head-read', partition: op.partition, phase: 'after', effect: 'stall', meanwhile: passes };
    } else if (this.rnd.chance(0.3)) {
      op.fault = { point: 'segment-get', phase: 'before', effect: this.rnd.pick(['error', 'throttle', 'stall'] as const), meanwhile: [] };
    }
    return op;
  }

  private maintain(mayFault: boolean, instance = this.rnd.int(0, this.s.instances - 1)): Op {
    // Usually far enough to expire some of what was produced; retention is 60 s.
    const advanceMs = this.rnd.weighted<number>([
      [1, 0],
      [2, 30_000],
      [3, 70_000],
    ]);
    const op: Op = { kind: 'maintain', instance, advanceMs };
    if (!mayFault || !this.rnd.chance(0.35)) return op;
    const point = this.rnd.weighted<FaultPoint>([
      [2, 'segment-delete'],
      [2, 'chunk-swap'],
      [2, 'cleaner-write'],
    ]);
    const phase = this.rnd.pick(['before', 'after'] as const);
    if (point === 'segment-delete') op.fault = { point, phase, effect: 'error', meanwhile: [] };
    else {
      // The merges of the pass (the harness merges eagerly): a crash, a lost answer the SDK retries,
      // or a stall while another instance reads, at the swap or at any write to the cleaner's item.
      const effect = this.rnd.pick(['error', 'timeout-retried', 'stall'] as const);
      const reader = this.otherInstance(instance);
      const meanwhile: Op[] =
        effect === 'stall' ? [{ kind: 'read', instance: reader, partition: this.rnd.int(0, this.s.partitions - 1), from: this.rnd.pick(['start', 'middle'] as const) }] : [];
      op.fault = { point, phase, effect, meanwhile, nth: point === 'cleaner-write' ? this.rnd.int(0, 5) : 0 };
    }
    return op;
  }

  private recreate(): Op[] {
    const rnd = this.rnd;
    const deleter = rnd.int(0, this.s.instances - 1);
    const creator = this.otherInstance(deleter);
    if (rnd.chance(0.6)) {
      // The topic item is gone but the delete has not finished: the topic is re-created elsewhere, and a
      // third instance, with the old topic cached, produces.
      const writer = this.otherInstance(deleter);
      const meanwhile: Op[] = [{ kind: 'create-topic', instance: creator }, this.produce(writer, false)];
      return [{ kind: 'delete-topic', instance: deleter, fault: { point: 'topic-delete', phase: 'after', effect: 'stall', meanwhile } }];
    }
    return [{ kind: 'delete-topic', instance: deleter }, { kind: 'create-topic', instance: creator }];
  }

  private groupJoin(instance = this.rnd.int(0, this.s.instances - 1)): Op[] {
    const member = this.nextMember++;
    this.joined.add(member);
    return [{ kind: 'join', member, instance }];
  }

  private group(): Op[] {
    const rnd = this.rnd;
    const instance = rnd.int(0, this.s.instances - 1);
    const live = [...this.joined].filter((m) => !this.killed.has(m));
    const kind = rnd.weighted<string>([
      [this.nextMember < MAX_MEMBERS ? (live.length ? 2 : 6) : 0, 'join'],
      [live.length ? 5 : 0, 'consume'],
      [live.length ? 3 : 0, 'tick'],
      [live.length ? 1 : 0, 'leave'],
      [live.length ? 1 : 0, 'kill'],
      [this.killed.size ? 1 : 0, 'zombie-commit'],
      [this.joined.size ? 1 : 0, 'settle'],
    ]);
    if (kind === 'join') return this.groupJoin(instance);
    if (kind === 'tick') return [{ kind: 'tick', ms: rnd.pick([1000, 2000, 3000]) }];
    if (kind === 'settle') return [{ kind: 'settle' }];
    if (kind === 'zombie-commit') return [{ kind: 'zombie-commit', member: rnd.pick([...this.killed]), instance }];
    const member = rnd.pick(live);
    if (kind === 'leave') this.joined.delete(member);
    if (kind === 'kill') this.killed.add(member);
    return [{ kind: kind as 'consume' | 'leave' | 'kill', member, instance }];
  }
}

/** Every operation in a schedule, including those run inside faults, depth first. */
export function allOps(ops: Op[]): Op[] {
  return ops.flatMap((op) => [op, ...('fault' in op && op.fault ? allOps(op.fault.meanwhile) : [])]);
}
