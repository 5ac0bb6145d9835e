import { describe, expect, it } from 'vitest';
import { countMatching } from '../support/faults.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('long polls (%s)', (backend) => {
  it('waiters on one partition share each head re-read, and re-read at growing gaps, not in a tight loop', async () => {
    const stack = await createTestStack(backend, { log: { firstRereadMs: 100, maxRereadGapMs: 400 } });
    await stack.request('POST', '/v1/topics', { name: 'idle', partitions: 1 });
    const headReads = countMatching(stack.runnel.clients.dynamo, (command, input) => command === 'GetItemCommand' && input.TableName === stack.config.logTable);
    const waiters = 50;
    const waitMs = 1000;
    const answers = await Promise.all(
      Array.from({ length: waiters }, () => stack.request('GET', `/v1/topics/idle/partitions/0/records?offset=0&waitMs=${waitMs}`)),
    );
    expect(answers.every((a) => a.status === 200 && a.body.records.length === 0)).toBe(true);
    // Each fetch reads the head once on arrival (it must see every acknowledged write); while they wait,
    // they share each re-read, at 100, 300 and 700 ms (gaps 100, 200, 400): 3, not 10 per waiter.
    const sharedChecks = 3;
    expect(headReads()).toBeGreaterThanOrEqual(waiters);
    expect(headReads()).toBeLessThanOrEqual(waiters + 2 * sharedChecks);
  });

  it('a shared check still wakes every waiter at once when another instance appends', async () => {
    const stack = await createTestStack(backend, { log: { firstRereadMs: 50 } });
    await stack.request('POST', '/v1/topics', { name: 'wake', partitions: 1 });
    const waiting = Array.from({ length: 20 }, () => stack.request('GET', '/v1/topics/wake/partitions/0/records?offset=0&waitMs=20000'));
    await new Promise((r) => setTimeout(r, 200));
    expect((await stack.another().request('POST', '/v1/topics/wake/records', { records: [{ value: 'hi' }] })).status).toBe(200);
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.body.records.map((r: any) => r.value))).toEqual(Array.from({ length: 20 }, () => ['hi']));
  });
});
