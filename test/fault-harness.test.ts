import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from './harness/random.js';
import { describeFailure, runSchedules } from './harness/run-schedules.js';
import { OTHER_WRITER, allOps, generateSchedule, type Op } from './harness/schedule.js';
import { BACKENDS, type Backend } from './support/stack.js';

/**
 * The randomized fault-schedule harness (docs/fault-harness.md). `npm test` runs a fixed range of seeds
 * on each backend; `npm run soak` runs any range (it sets the HARNESS_* variables read here).
 */
// Every maintenance pass also merges (and its faults hit merges), which makes a schedule about half as
// long again: two thirds of the schedules keep the run within its former time.
const DEFAULT_SCHEDULES: Record<Backend, number> = { dynalite: 200, 'dynamodb-local': 130 };
const soakBackend = process.env.HARNESS_BACKEND as Backend | 'both' | undefined;
const backends = !soakBackend || soakBackend === 'both' ? BACKENDS : [soakBackend];
const firstSeed = Number(process.env.HARNESS_SEED ?? 1);
const countFor = (backend: Backend) => Number(process.env.HARNESS_SCHEDULES ?? DEFAULT_SCHEDULES[backend]);

describe('fault schedule generator', () => {
  it('gives the same schedule for the same seed, so a seed replays', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        expect(generateSchedule(seed)).toEqual(generateSchedule(seed));
      }),
      { numRuns: 200 },
    );
  });

  it('draws integers within bounds from the seeded generator', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: -50, max: 50 }), fc.nat({ max: 100 }), (seed, min, span) => {
        const rnd = new Random(seed);
        for (let i = 0; i < 20; i++) {
          const x = rnd.int(min, min + span);
          expect(x >= min && x <= min + span && Number.isInteger(x)).toBe(true);
        }
      }),
    );
  });

  it('makes well-formed schedules: operations in range, every delete followed by a re-create', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const s = generateSchedule(seed);
        expect(s.ops.length).toBeGreaterThanOrEqual(6);
        const ops = allOps(s.ops);
        for (const op of ops) {
          if ('instance' in op) expect(op.instance).toBeLessThan(s.instances);
          if (op.kind === 'produce') {
            expect(op.producer).toBeLessThan(s.producers.length);
            expect(op.producer).toBeGreaterThanOrEqual(OTHER_WRITER);
            for (const part of op.parts) {
              if (part.partition !== null) expect(part.partition).toBeLessThan(s.partitions);
              else expect(s.producers[op.producer]?.idempotent ?? false).toBe(false);
            }
          }
          if (op.kind === 'read') expect(op.partition).toBeLessThan(s.partitions);
        }
        // The topic exists at the end: each delete has a create after it, in its fault's meanwhile or next.
        const flat = (list: Op[]): string[] => list.flatMap((op) => ('fault' in op && op.fault ? [op.kind, ...flat(op.fault.meanwhile)] : [op.kind]));
        const kinds = flat(s.ops);
        kinds.forEach((k, i) => k === 'delete-topic' && expect(kinds[i + 1]).toBe('create-topic'));
        // Group members act only after they joined.
        const joined = new Set<number>();
        for (const op of s.ops) {
          if (op.kind === 'join') joined.add(op.member);
          else if ('member' in op) expect(joined.has(op.member)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('covers every kind of operation and fault across a range of seeds', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      for (const op of allOps(generateSchedule(seed).ops)) {
        seen.add(op.kind);
        if ('fault' in op && op.fault) seen.add(`${op.fault.point}/${op.fault.effect}`);
        if (op.kind === 'produce') seen.add(`produce/${op.variant}`);
      }
    }
    for (const needed of ['produce', 'read', 'maintain', 'delete-topic', 'create-topic', 'join', 'consume', 'leave', 'kill', 'zombie-commit', 'tick', 'settle',
      'produce/stale-sequence', 'produce/extended-retry', 'produce/bad-partition', 'append/timeout-retried', 'append/throttle', 'segment-put/error',
      'head-read/stall', 'topic-delete/stall', 'segment-delete/error', 'chunk-swap/error', 'chunk-swap/timeout-retried', 'chunk-swap/stall',
      'cleaner-write/error', 'cleaner-write/timeout-retried', 'cleaner-write/stall']) {
      expect(seen, needed).toContain(needed);
    }
  });
});

describe.each(backends)('fault schedules (%s)', (backend) => {
  const count = countFor(backend);
  it(`${count} seeded schedules from seed ${firstSeed} keep L1–L5 and G1–G5`, { timeout: Math.max(60_000, count * 10_000) }, async () => {
    const failures = await runSchedules(backend, firstSeed, count);
    expect(failures.map(describeFailure).join('\n'), 'schedules that broke an invariant').toBe('');
  });
});
