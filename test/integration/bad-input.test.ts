import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { highWatermark } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/** Each bad request gets a 4xx JSON error naming the field, and a rejected produce writes nothing. */
describe.each(BACKENDS)('bad input (%s)', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'bad', partitions: 2, config: { 'max.message.bytes': 1024 } });
  });

  async function expectRejected(method: string, path: string, body: unknown, status: number, fieldOrCode: string) {
    const before = [await highWatermark(stack, 'bad', 0), await highWatermark(stack, 'bad', 1)];
    const res = await stack.request(method, path, body);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBeTypeOf('string');
    expect(res.body.error.message).toBeTypeOf('string');
    expect(`${res.body.error.code} ${res.body.error.field ?? ''} ${res.body.error.message}`).toContain(fieldOrCode);
    expect([await highWatermark(stack, 'bad', 0), await highWatermark(stack, 'bad', 1)]).toEqual(before);
  }

  const produce = (body: unknown, status: number, field: string) => expectRejected('POST', '/v1/topics/bad/records', body, status, field);

  it('rejects malformed JSON and empty bodies', async () => {
    await produce('{"records": [', 400, 'invalid_json');
    await produce('', 400, 'invalid_json');
    await expectRejected('POST', '/v1/topics', '{nope', 400, 'invalid_json');
  });

  it('rejects wrong types, naming the field', async () => {
    await produce({ records: 'x' }, 400, 'records');
    await produce({ records: [{ value: 1, key: 5 }] }, 400, 'records[0].key');
    await produce({ records: [{ key: 'k' }] }, 400, 'records[0].value');
    await produce({ records: [{ value: 1, headers: { a: 1 } }] }, 400, 'records[0].headers.a');
    await produce({ records: [{ value: 1 }, { value: 2, timestamp: -5 }] }, 400, 'records[1].timestamp');
    await produce({ records: [{ value: 1, timestamp: 1.5 }] }, 400, 'records[0].timestamp');
    await produce({ records: [{ value: 1, extra: true }] }, 400, 'records[0]');
    await produce({ records: [{ value: 'not base64!', valueEncoding: 'base64' }] }, 400, 'records[0].value');
    await produce({ records: [{ key: '***', keyEncoding: 'base64', value: 1 }] }, 400, 'records[0].key');
  });

  it('rejects an empty record list', () => produce({ records: [] }, 400, 'records'));

  it('rejects a partition out of range, even when other records are fine', () =>
    produce({ records: [{ value: 1, partition: 0 }, { value: 2, partition: 2 }] }, 400, 'records[1].partition'));

  it('rejects a record over max.message.bytes and a body over 6 MiB with 413', async () => {
    await produce({ records: [{ value: 'ok' }, { value: 'x'.repeat(2000) }] }, 413, 'records[1]');
    await produce({ records: [{ value: 'y'.repeat(7 * 1024 * 1024) }] }, 413, 'request_too_large');
  });

  it('rejects an unknown topic with 404', async () => {
    const res = await stack.request('POST', '/v1/topics/nope/records', { records: [{ value: 1 }] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_topic');
    expect((await stack.request('GET', '/v1/topics/nope/partitions/0/records?offset=0')).status).toBe(404);
    expect((await stack.request('GET', '/v1/topics/nope')).status).toBe(404);
    expect((await stack.request('DELETE', '/v1/topics/nope')).status).toBe(404);
  });

  it('rejects bad fetch parameters', async () => {
    for (const [query, field] of [
      ['offset=-1', 'offset'],
      ['offset=1.5', 'offset'],
      ['offset=abc', 'offset'],
      ['', 'offset'],
      ['offset=0&limit=0', 'limit'],
      ['offset=0&waitMs=999999', 'waitMs'],
      ['offset=0&maxBytes=x', 'maxBytes'],
    ]) {
      await expectRejected('GET', `/v1/topics/bad/partitions/0/records?${query}`, undefined, 400, field!);
    }
    await expectRejected('GET', '/v1/topics/bad/partitions/7/records?offset=0', undefined, 400, 'partition');
    await expectRejected('GET', '/v1/topics/bad/partitions/-1/records?offset=0', undefined, 400, 'partition');
    await expectRejected('GET', '/v1/topics/bad/partitions/0/offsets?spec=middle', undefined, 400, 'spec');
    await expectRejected('GET', '/v1/topics/bad/partitions/0/offsets', undefined, 400, 'timestamp');
  });

  it('answers an offset past the high watermark with 416 and both bounds', async () => {
    const res = await stack.request('GET', '/v1/topics/bad/partitions/0/records?offset=99');
    expect(res.status).toBe(416);
    expect(res.body.error).toMatchObject({ code: 'offset_out_of_range', logStartOffset: 0, highWatermark: 0 });
  });

  it('rejects bad topic definitions', async () => {
    for (const [body, field] of [
      [{ name: '', partitions: 1 }, 'name'],
      [{ name: '..', partitions: 1 }, 'name'],
      [{ name: 'a/b', partitions: 1 }, 'name'],
      [{ name: 'x'.repeat(250), partitions: 1 }, 'name'],
      [{ name: 'ok', partitions: 0 }, 'partitions'],
      [{ name: 'ok', partitions: 1001 }, 'partitions'],
      [{ name: 'ok', partitions: 1.5 }, 'partitions'],
      [{ name: 'ok', config: { 'segment.bytes': 1 } }, 'config'],
      [{ name: 'ok', config: { 'retention.ms': 'soon' } }, 'config.retention.ms'],
      [{ name: 'ok', config: { 'cleanup.policy': 'shred' } }, 'config.cleanup.policy'],
    ] as const) {
      await expectRejected('POST', '/v1/topics', body, 400, field);
    }
    const res = await stack.request('POST', '/v1/topics', { name: 'bad', partitions: 1 });
    expect(res.status).toBe(409);
  });

  it('never answers arbitrary JSON with a 5xx, and never writes for a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ records: fc.array(fc.dictionary(fc.constantFrom('key', 'value', 'headers', 'partition', 'timestamp', 'keyEncoding', 'valueEncoding', 'x'), fc.jsonValue()), { maxLength: 3 }) }),
        ),
        async (body) => {
          const before = await highWatermark(stack, 'bad', 0) + await highWatermark(stack, 'bad', 1);
          const res = await stack.request('POST', '/v1/topics/bad/records', JSON.stringify(body));
          expect(res.status).toBeLessThan(500);
          expect(res.body.error?.code ?? res.body.offsets).toBeDefined();
          const after = await highWatermark(stack, 'bad', 0) + await highWatermark(stack, 'bad', 1);
          expect(after - before).toBe(res.status === 200 ? res.body.offsets.length : 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
