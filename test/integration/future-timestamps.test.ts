import { describe, expect, it } from 'vitest';
import { highWatermark } from '../support/records.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

/**
 * Time retention and offset lookups search the index by running maximum timestamp, so a record stamped
 * years ahead would hold up time retention for every record after it. Produce bounds timestamps as
 * Kafka does with `message.timestamp.after.max.ms`.
 */
describe.each(BACKENDS)('future timestamps (%s)', (backend) => {
  it('refuses a timestamp more than message.timestamp.after.max.ms ahead, writing nothing', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'f', partitions: 1 });
    const res = await stack.request('POST', '/v1/topics/f/records', {
      records: [{ value: 'ok' }, { value: 'ahead', timestamp: Date.now() + 2 * 3_600_000 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_timestamp', field: 'records[1].timestamp' });
    expect(await highWatermark(stack, 'f', 0)).toBe(0);
    expect((await stack.request('POST', '/v1/topics/f/records', { records: [{ value: 'soon', timestamp: Date.now() + 30 * 60_000 }] })).status).toBe(200);
  });

  it('honours a per-topic limit', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'g', partitions: 1, config: { 'message.timestamp.after.max.ms': '1000' } });
    const ahead = { records: [{ value: 1, timestamp: Date.now() + 60_000 }] };
    expect((await stack.request('POST', '/v1/topics/g/records', ahead)).status).toBe(400);
    expect((await stack.request('GET', '/v1/topics/g')).body.config['message.timestamp.after.max.ms']).toBe(1000);
  });
});
