import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WATCHED_HEAD_FILTER, watchedCommits } from '../../lib/wake/watched-commits.js';
import { matchesFilter, type FilterPattern } from '../support/event-filter.js';

const FILTER = WATCHED_HEAD_FILTER as unknown as FilterPattern;

/** One write to a log-table item, as far as the watch cares: before and after (absent: no image). */
interface Write {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  partition: number;
  /** -1 is a head; others are a cleaner item or chunks. */
  b: number;
  before?: { nextOffset: number; mark?: { until: number; by: string } };
  after?: { nextOffset: number; mark?: { until: number; by: string }; deleted?: boolean };
}

const markArb = fc.option(fc.record({ until: fc.integer({ min: 1, max: 2_000_000_000_000 }), by: fc.constantFrom('c1', 'c2', 'c3') }), { nil: undefined });
const writeArb: fc.Arbitrary<Write> = fc
  .record({
    eventName: fc.constantFrom('INSERT', 'MODIFY', 'MODIFY', 'MODIFY', 'REMOVE'),
    partition: fc.nat({ max: 3 }),
    b: fc.constantFrom(-1, -1, -1, -2, 0),
    nextOffset: fc.nat({ max: 50 }),
    advance: fc.constantFrom(0, 0, 1, 3),
    markBefore: markArb,
    markAfter: markArb,
    deleted: fc.nat({ max: 9 }).map((n) => n === 0),
  })
  .map(({ eventName, partition, b, nextOffset, advance, markBefore, markAfter, deleted }) => ({
    eventName,
    partition,
    b,
    ...(eventName === 'INSERT' ? {} : { before: { nextOffset, ...(markBefore ? { mark: markBefore } : {}) } }),
    ...(eventName === 'REMOVE' ? {} : { after: { nextOffset: nextOffset + advance, ...(markAfter ? { mark: markAfter } : {}), ...(deleted ? { deleted } : {}) } }),
  }));

function image(state: { nextOffset: number; mark?: { until: number; by: string }; deleted?: boolean }, keys: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return {
    ...keys,
    nextOffset: { N: String(state.nextOffset) },
    ...(state.mark ? { watchedUntil: { N: String(state.mark.until) }, watchedBy: { S: state.mark.by } } : {}),
    ...(state.deleted ? { deleted: { BOOL: true } } : {}),
  };
}

/** A stream record of a NEW_AND_OLD_IMAGES stream, in the Lambda event's shape. */
function record(w: Write, seq: number): DynamoDBRecord {
  const keys = { p: { S: `t0a1#${w.partition}` }, b: { N: String(w.b) } };
  return {
    eventID: `e${seq}`,
    eventName: w.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: keys,
      ...(w.before ? { OldImage: image(w.before, keys) } : {}),
      ...(w.after ? { NewImage: image(w.after, keys) } : {}),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('watchedCommits', () => {
  it('wakes for exactly the watched heads whose nextOffset advanced, once each, with the mark of its latest passing record', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 30 }), (writes) => {
        const records = writes.map(record);
        const passes = (w: Write) => w.eventName === 'MODIFY' && w.b === -1 && w.before?.mark !== undefined && w.after?.mark !== undefined && !w.after.deleted;
        const expected = new Map<number, { advanced: boolean; mark: { until: number; by: string } }>();
        for (const w of writes.filter(passes)) {
          const advanced = w.after!.nextOffset > w.before!.nextOffset || expected.get(w.partition)?.advanced === true;
          expected.set(w.partition, { advanced, mark: w.after!.mark! });
        }
        const got = watchedCommits({ Records: records });
        expect(got.map((c) => [c.partition, c.mark])).toEqual([...expected].filter(([, e]) => e.advanced).map(([p, e]) => [p, e.mark]));
        expect(got.every((c) => c.topicId === 't0a1')).toBe(true);
      }),
    );
  });

  it('is never woken by a record the mapping’s filter drops', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 30 }), (writes) => {
        const records = writes.map(record);
        const passed = records.filter((r) => matchesFilter(FILTER, r));
        expect(watchedCommits({ Records: passed })).toEqual(watchedCommits({ Records: records }));
      }),
    );
  });

  it('ignores a write that only marks, renews or clears a mark', () => {
    const head = (before: Write['before'], after: Write['after']): DynamoDBRecord => record({ eventName: 'MODIFY', partition: 0, b: -1, before, after }, 0);
    const mark = { until: 5, by: 'c1' };
    expect(watchedCommits({ Records: [head({ nextOffset: 3 }, { nextOffset: 3, mark })] })).toEqual([]);
    expect(watchedCommits({ Records: [head({ nextOffset: 3, mark }, { nextOffset: 3, mark: { until: 9, by: 'c2' } })] })).toEqual([]);
    expect(watchedCommits({ Records: [head({ nextOffset: 3, mark }, { nextOffset: 3 })] })).toEqual([]);
    expect(watchedCommits({ Records: [head({ nextOffset: 3, mark }, { nextOffset: 4, mark })] })).toEqual([{ topicId: 't0a1', partition: 0, mark }]);
  });
});
