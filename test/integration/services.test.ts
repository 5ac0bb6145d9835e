import { describe, expect, it } from 'vitest';
import { BACKENDS, createTestStack } from '../support/stack.js';

// A dispatcher or a console calls the services in process, with the contract's typed requests: no
// HTTP-shaped body, no strings for numbers, and the defaults the HTTP edge would apply.
describe.each(BACKENDS)('the services, called in process with typed input (%s)', (backend) => {
  it('create, produce, fetch and look up offsets, with the defaults applied', async () => {
    const { runnel: services } = await createTestStack(backend);
    const created = await services.admin.create({ name: 'typed', config: { 'retention.ms': 60_000 } });
    expect(created).toMatchObject({ name: 'typed', partitions: 1, config: { 'retention.ms': 60_000, 'cleanup.policy': 'delete', 'max.message.bytes': 1024 * 1024 } });

    const produced = await services.produce.produce('typed', { records: [{ key: 'k', value: { n: 1 }, headers: { trace: 't1' } }, { value: null }] });
    expect(produced.offsets.map((o) => o.offset)).toEqual([0, 1]);

    const fetched = await services.fetch.fetch({ topic: 'typed', partition: 0, offset: 0 });
    expect(fetched.records.map((r) => [r.key, r.value, r.headers])).toEqual([
      ['k', { n: 1 }, { trace: 't1' }],
      [null, null, {}],
    ]);
    expect(fetched).toMatchObject({ nextOffset: 2, highWatermark: 2, logStartOffset: 0 });
    expect(await services.fetch.offset({ topic: 'typed', partition: 0, spec: 'latest' })).toEqual({ offset: 2 });
    await expect(services.fetch.fetch({ topic: 'typed', partition: 1, offset: 0 })).rejects.toMatchObject({ status: 400, code: 'invalid_partition' });
  });

  it('join, commit and leave a group, and describe it', async () => {
    const { runnel: services } = await createTestStack(backend);
    await services.admin.create({ name: 'orders', partitions: 2 });
    const joined = await services.groups.coordinator.join('g', { topics: ['orders'], memberId: 'm' });
    expect(joined.sessionTimeoutMs).toBe(10_000);
    const [first] = joined.assignments;
    await services.groups.coordinator.commit('g', { memberId: 'm', offsets: [{ topic: 'orders', partition: first!.partition, epoch: first!.epoch, offset: 0 }] });
    expect((await services.groups.admin.describe('g')).members.map((m) => m.memberId)).toEqual(['m']);
    expect((await services.groups.coordinator.leave('g', 'm')).released).toHaveLength(2);
  });
});
