import { describe, expect, it } from 'vitest';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('produce and fetch on %s', (backend) => {
  it('round-trips keys, JSON values, tombstones, headers and base64 bytes', async () => {
    const stack = await createTestStack(backend);
    expect((await stack.request('POST', '/v1/topics', { name: 'rt', partitions: 1 })).status).toBe(201);
    const values = [{ a: 1, nested: [true, null, 'x'] }, 'text', 42, 3.5, false, [1, 2], null, ''];
    const produced = await stack.request('POST', '/v1/topics/rt/records', {
      records: [
        ...values.map((value, i) => ({ key: `k${i}`, value, headers: { i: String(i) } })),
        { key: '//8=', keyEncoding: 'base64', value: 'AAEC/w==', valueEncoding: 'base64' },
      ],
    });
    expect(produced.status).toBe(200);
    expect(produced.body.offsets.map((o: any) => o.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const fetched = await stack.request('GET', '/v1/topics/rt/partitions/0/records?offset=0');
    expect(fetched.status).toBe(200);
    expect(fetched.body.records.slice(0, values.length).map((r: any) => r.value)).toEqual(values);
    expect(fetched.body.records[0]).toMatchObject({ partition: 0, offset: 0, key: 'k0', headers: { i: '0' } });
    expect(fetched.body.records[8]).toMatchObject({ key: '//8=', keyEncoding: 'base64', value: 'AAEC/w==', valueEncoding: 'base64' });
    expect(fetched.body).toMatchObject({ nextOffset: 9, highWatermark: 9, logStartOffset: 0 });
  });
});
