import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicPartitionKey as partitionKey, type TopicPartition } from '../../lib/contract/topic-partition.js';
import { assign, type AssignmentMember } from '../../lib/groups/assignment.js';

const TOPICS = ['a', 'b', 'c'];

/** Members with distinct ids, the partitions of the topics, and a current owner (live, dead or none) per partition. */
const scenario = (homogeneous: boolean) =>
  fc
    .record({
      ids: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 9 }),
      counts: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 3, maxLength: 3 }),
      subs: fc.array(fc.subarray(TOPICS, { minLength: 1 }), { minLength: 9, maxLength: 9 }),
      owners: fc.array(fc.integer({ min: -3, max: 8 }), { minLength: 48, maxLength: 48 }),
    })
    .map(({ ids, counts, subs, owners }) => {
      const members: AssignmentMember[] = ids.map((id, i) => ({ id, topics: homogeneous ? TOPICS : subs[i]! }));
      const partitions: TopicPartition[] = TOPICS.flatMap((topic, t) => Array.from({ length: counts[t]! }, (_, partition) => ({ topic, partition })));
      const current = new Map<string, string>();
      partitions.forEach((tp, i) => {
        const o = owners[i]!;
        if (o >= 0) current.set(partitionKey(tp), o < ids.length ? ids[o]! : `dead-${o}`);
      });
      return { members, partitions, current };
    });

const countsOf = (target: Map<string, string>, members: AssignmentMember[]) => {
  const counts = new Map(members.map((m) => [m.id, 0]));
  for (const owner of target.values()) counts.set(owner, counts.get(owner)! + 1);
  return [...counts.values()];
};

describe('assignment', () => {
  it('gives every partition to exactly one subscriber of its topic', () => {
    fc.assert(
      fc.property(scenario(false), ({ members, partitions, current }) => {
        const target = assign(members, partitions, current);
        for (const tp of partitions) {
          const subscribed = members.filter((m) => m.topics.includes(tp.topic));
          const owner = target.get(partitionKey(tp));
          if (subscribed.length === 0) expect(owner).toBeUndefined();
          else expect(subscribed.map((m) => m.id)).toContain(owner);
        }
      }),
    );
  });

  it('is balanced: counts differ by at most one', () => {
    fc.assert(
      fc.property(scenario(true), ({ members, partitions, current }) => {
        const counts = countsOf(assign(members, partitions, current), members);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is sticky: moves exactly the surplus over the best choice of quotas, and a member never both gains and loses', () => {
    fc.assert(
      fc.property(scenario(true), ({ members, partitions, current }) => {
        const target = assign(members, partitions, current);
        const ids = new Set(members.map((m) => m.id));
        const held = new Map(members.map((m) => [m.id, 0]));
        for (const owner of current.values()) if (ids.has(owner)) held.set(owner, held.get(owner)! + 1);
        // Lower bound on moves for any balanced assignment: ⌈⌉ quotas to the biggest holders.
        const floor = Math.floor(partitions.length / members.length);
        const extra = partitions.length % members.length;
        const sorted = [...held.values()].sort((a, b) => b - a);
        const minimum = sorted.reduce((sum, h, i) => sum + Math.max(0, h - floor - (i < extra ? 1 : 0)), 0);
        let moved = 0;
        const lost = new Set<string>();
        const gained = new Set<string>();
        for (const [key, owner] of current) {
          if (!ids.has(owner)) continue;
          if (target.get(key) !== owner) {
            moved++;
            lost.add(owner);
            gained.add(target.get(key)!);
          }
        }
        expect(moved).toBe(minimum);
        for (const id of lost) expect(gained.has(id)).toBe(false);
      }),
    );
  });

  it('a joining member takes at most ⌈N/(M+1)⌉ partitions from a balanced group, and only it gains', () => {
    fc.assert(
      fc.property(scenario(true), fc.stringMatching(/^[a-z0-9]{7}$/), ({ members, partitions }, newcomer) => {
        const before = assign(members, partitions, new Map());
        const joined = [...members, { id: newcomer, topics: TOPICS }];
        const after = assign(joined, partitions, before);
        const moved = [...before].filter(([key, owner]) => after.get(key) !== owner);
        expect(moved.length).toBeLessThanOrEqual(Math.ceil(partitions.length / joined.length));
        for (const [key] of moved) expect(after.get(key)).toBe(newcomer);
      }),
    );
  });

  it('is deterministic: the order of the inputs does not matter', () => {
    fc.assert(
      fc.property(scenario(false), fc.integer(), ({ members, partitions, current }, seed) => {
        const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: (i * 7919 + seed) % 104729 })).sort((a, b) => a.k - b.k).map((e) => e.x);
        const a = assign(members, partitions, current);
        const b = assign(shuffle(members), shuffle(partitions), new Map(shuffle([...current])));
        expect([...b].sort()).toEqual([...a].sort());
      }),
    );
  });

  it('3 members on 12 partitions get 4 each', () => {
    const members = ['m1', 'm2', 'm3'].map((id) => ({ id, topics: ['t'] }));
    const partitions = Array.from({ length: 12 }, (_, partition) => ({ topic: 't', partition }));
    expect(countsOf(assign(members, partitions, new Map()), members)).toEqual([4, 4, 4]);
  });
});
