import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_WAKEUP_FILTER, streamWakeups, wakeupOf } from '../../lib/subscriptions/stream-wakeups.js';
import { matchesFilter, type FilterPattern } from '../support/event-filter.js';

interface Shape {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  topicId: string;
  partition: number;
  /** -1 is a head, -2 a cleaner item, others chunks. */
  b: number;
  subscribers: string[] | undefined;
  deleted: boolean;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE'),
  topicId: fc.constantFrom('t0a1', 't0b2', 'c3-d4'),
  partition: fc.nat({ max: 12 }),
  b: fc.constantFrom(-1, -1, -1, -2, 0, 4096),
  subscribers: fc.option(fc.uniqueArray(fc.constantFrom('billing', 'email', 'audit'), { minLength: 1 }), { nil: undefined }),
  deleted: fc.nat({ max: 9 }).map((n) => n === 0),
});

/** A stream record as DynamoDB Streams writes it for a NEW_IMAGE stream, in the Lambda event's shape. */
function record(s: Shape, seq: number): DynamoDBRecord {
  const keys = { p: { S: `${s.topicId}#${s.partition}` }, b: { N: String(s.b) } };
  return {
    eventID: `e${seq}`,
    eventName: s.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/log/stream/2026-01-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_790_000_000 + seq,
      Keys: keys,
      ...(s.eventName === 'REMOVE'
        ? {}
        : {
            NewImage: {
              ...keys,
              nextOffset: { N: String(seq * 10) },
              ...(s.subscribers ? { subscribers: { SS: s.subscribers } } : {}),
              ...(s.deleted ? { deleted: { BOOL: true } } : {}),
            },
          }),
      SequenceNumber: String(100_000 + seq),
      SizeBytes: 120,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

const eventOf = (shapes: Shape[]): DynamoDBStreamEvent => ({ Records: shapes.map(record) });
const wakes = (s: Shape) => s.eventName !== 'REMOVE' && s.b === -1 && s.subscribers !== undefined && !s.deleted;
const keyOf = (r: { topicId: string; partition: number }) => `${r.topicId}#${r.partition}`;

describe('streamWakeups', () => {
  it('wakes each subscribed head partition of the batch exactly once, in the order of its first record', () => {
    fc.assert(
      fc.property(fc.array(shapeArb, { maxLength: 60 }), (shapes) => {
        const out = streamWakeups(eventOf(shapes)).map(keyOf);
        const firsts = [...new Set(shapes.filter(wakes).map(keyOf))];
        expect(out).toEqual(firsts);
      }),
    );
  });

  it('ignores chunks, cleaner items, removals, deleted topics and heads without subscribers wherever they fall', () => {
    fc.assert(
      fc.property(fc.array(shapeArb, { maxLength: 30 }), fc.array(shapeArb, { maxLength: 30 }), fc.nat(), (shapes, noise, seed) => {
        const quiet = noise.filter((s) => !wakes(s));
        const mixed = [...shapes];
        quiet.forEach((s, i) => mixed.splice((seed + i * 7) % (mixed.length + 1), 0, s));
        expect(streamWakeups(eventOf(mixed))).toEqual(streamWakeups(eventOf(shapes)));
      }),
    );
  });

  it('passes a record exactly when the event source mapping filter does (live heads with well-formed keys)', () => {
    fc.assert(
      fc.property(shapeArb, fc.nat(), (s, seq) => {
        const r = record(s, seq);
        const filtered = matchesFilter(HEAD_WAKEUP_FILTER as unknown as FilterPattern, r);
        // The filter cannot see `deleted` (a fenced head of a deleted topic); the function drops those too.
        expect(wakeupOf(r) !== undefined).toBe(filtered && !s.deleted);
      }),
    );
  });

  it('takes the topic id up to the last "#" and refuses keys that are not a head key', () => {
    const head = (p: string) => ({ ...record({ eventName: 'MODIFY', topicId: 'x', partition: 0, b: -1, subscribers: ['a'], deleted: false }, 1), dynamodb: { Keys: { p: { S: p }, b: { N: '-1' } }, NewImage: { p: { S: p }, subscribers: { SS: ['a'] } } } });
    expect(wakeupOf(head('ab#c#7'))).toEqual({ topicId: 'ab#c', partition: 7 });
    for (const bad of ['nohash', '#3', 'abc#', 'abc#-1', 'abc#1.5', 'abc#07', 'abc# 7']) expect(wakeupOf(head(bad)), bad).toBeUndefined();
  });
});

describe('a write that only marks a head as watched by a wake socket', () => {
  const head = (before: Record<string, unknown>, after: Record<string, unknown>): DynamoDBRecord => {
    const keys = { p: { S: 't0a1#2' }, b: { N: '-1' } };
    const image = (extra: Record<string, unknown>) => ({ ...keys, nextOffset: { N: '7' }, subscribers: { SS: ['billing'] }, ...extra }) as never;
    return { eventName: 'MODIFY', dynamodb: { Keys: keys, OldImage: image(before), NewImage: image(after), StreamViewType: 'NEW_AND_OLD_IMAGES' } };
  };
  const mark = (until: number, by: string) => ({ watchedUntil: { N: String(until) }, watchedBy: { S: by } });

  it('wakes no subscription, though the mapping’s filter passes it, whether it marks, renews or clears', () => {
    for (const r of [head({}, mark(5, 'c1')), head(mark(5, 'c1'), mark(9, 'c2')), head(mark(5, 'c1'), {})]) {
      expect(matchesFilter(HEAD_WAKEUP_FILTER as unknown as FilterPattern, r)).toBe(true);
      expect(wakeupOf(r)).toBeUndefined();
    }
  });

  it('still wakes when anything else moved with it: a commit, or a subscription’s mark', () => {
    expect(wakeupOf(head(mark(5, 'c1'), { ...mark(5, 'c1'), nextOffset: { N: '8' } }))).toEqual({ topicId: 't0a1', partition: 2 });
    expect(wakeupOf(head({}, { markedAt: { N: '1' } }))).toEqual({ topicId: 't0a1', partition: 2 });
  });
});

describe('the test filter matcher', () => {
  it('matches literals in lists, leaves that are lists, exists on present and absent fields', () => {
    expect(matchesFilter({ a: { N: ['-1'] } }, { a: { N: '-1' } })).toBe(true);
    expect(matchesFilter({ a: { N: ['-1'] } }, { a: { N: '-2' } })).toBe(false);
    expect(matchesFilter({ s: { SS: [{ exists: true }] } }, { s: { SS: ['x'] } })).toBe(true);
    expect(matchesFilter({ s: { SS: [{ exists: true }] } }, {})).toBe(false);
    expect(matchesFilter({ s: { SS: [{ exists: false }] } }, { t: 1 })).toBe(true);
    expect(matchesFilter({ e: ['INSERT', 'MODIFY'] }, { e: 'REMOVE' })).toBe(false);
    expect(matchesFilter({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
  });
});
