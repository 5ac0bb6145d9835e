import { describe, expect, it } from 'vitest';
import { ConfigResourceTypes, ConfigSource, Runnel } from '../../lib/client/index.js';
import { serveRunnel } from '../support/http-server.js';
import { TOPIC_CONFIG_DEFAULTS } from '../../lib/contract/topics.js';
import { countMatching } from '../support/faults.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { readAll, readThroughGaps } from '../support/records.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('altering topic configs (%s)', (backend) => {
  it('sets the configs named, puts a null one back to its default, keeps the rest; one conditional write', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 2, config: { 'retention.ms': '3600000', 'compression.type': 'gzip' } });
    const writes = countMatching(stack.runnel.clients.dynamo, (command) => ['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand'].includes(command));
    const res = await stack.request('PATCH', '/v1/topics/t/config', { 'retention.bytes': '1048576', 'max.message.bytes': 2048, 'compression.type': null });
    expect(res.status).toBe(200);
    expect(writes()).toBe(1);
    expect(res.body).toMatchObject({ name: 't', partitions: 2 });
    expect(res.body.config).toEqual({ ...TOPIC_CONFIG_DEFAULTS, 'retention.ms': 3600000, 'retention.bytes': 1048576, 'max.message.bytes': 2048 });
    // Another instance, reading the topic afresh, sees the same.
    expect((await stack.another().request('GET', '/v1/topics/t')).body.config).toEqual(res.body.config);
    // Produce applies the new max.message.bytes at once.
    const big = await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'x'.repeat(4000) }] });
    expect(big.status).toBe(413);
  });

  it('validates with the rules of create: 400 naming the config; an unknown config, an empty change; 404 for an unknown topic', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't' });
    for (const [body, field] of [
      [{ 'max.message.bytes': 10 }, 'max.message.bytes'],
      [{ 'cleanup.policy': 'erase' }, 'cleanup.policy'],
      [{ 'retention.ms': '1h' }, 'retention.ms'],
      [{ 'min.cleanable.dirty.ratio': 2 }, 'min.cleanable.dirty.ratio'],
      [{ 'segment.bytes': '1' }, '(body)'],
      [{}, '(body)'],
    ] as const) {
      const res = await stack.request('PATCH', '/v1/topics/t/config', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await stack.request('GET', '/v1/topics/t')).body.config).toEqual(TOPIC_CONFIG_DEFAULTS);
    expect((await stack.request('PATCH', '/v1/topics/nope/config', { 'retention.ms': 1 })).status).toBe(404);
  });

  it('two changes at once from two instances both apply, neither undoing the other', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't' });
    const other = stack.another();
    const results = await Promise.all([
      stack.request('PATCH', '/v1/topics/t/config', { 'retention.ms': 1000 }),
      other.request('PATCH', '/v1/topics/t/config', { 'retention.bytes': 2000 }),
      stack.request('PATCH', '/v1/topics/t/config', { 'delete.retention.ms': 3000 }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await stack.another().request('GET', '/v1/topics/t')).body.config).toMatchObject({ 'retention.ms': 1000, 'retention.bytes': 2000, 'delete.retention.ms': 3000 });
  });

  it('cleanup.policy changed to compact: keyless records are refused from then on, and the maintenance job compacts', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c' });
    const now = Date.now();
    for (let i = 0; i < 8; i++) {
      expect((await stack.request('POST', '/v1/topics/c/records', { records: [{ key: `k${i % 2}`, value: i, partition: 0, timestamp: now }] })).status).toBe(200);
    }
    const eager = { now, cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1_000_000 } };
    expect((await stack.runnel.maintain(eager)).cleaning.partitionsCompacted).toBe(0);
    expect((await stack.request('PATCH', '/v1/topics/c/config', { 'cleanup.policy': 'compact' })).status).toBe(200);
    const keyless = await stack.request('POST', '/v1/topics/c/records', { records: [{ value: 'no key' }] });
    expect(keyless.status).toBe(400);
    expect(keyless.body.error.code).toBe('invalid_record');
    const before = await readAll(stack, 'c', 0);
    const report = await stack.runnel.maintain(eager);
    expect(report.cleaning.partitionsCompacted).toBe(1);
    // Below the head's tail only each key's latest record is left; the tail is kept whole.
    const { topicId } = await stack.runnel.topics.get('c');
    const { tailBase } = (await new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable).read(partitionKey({ topicId, partition: 0 })))!;
    const latest = new Map(before.filter((r) => r.offset < tailBase).map((r) => [r.key, r.offset]));
    const kept = before.filter((r) => r.offset >= tailBase || latest.get(r.key) === r.offset).map((r) => r.offset);
    expect(kept.length).toBeLessThan(before.length);
    expect((await readThroughGaps(stack, 'c', 0)).map((r) => r.offset)).toEqual(kept);
  });
});

describe.each(BACKENDS)('the client admin: describeConfigs and alterConfigs in KafkaJS shapes (%s)', (backend) => {
  it('alters incrementally and describes each config as a string with its source', async () => {
    const stack = await createTestStack(backend);
    const served = await serveRunnel(stack.runnel);
    try {
      const admin = new Runnel({ url: served.url }).admin();
      await admin.createTopics({ topics: [{ topic: 't', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
      const altered = await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: null }] }],
      });
      expect(altered).toEqual({ resources: [{ errorCode: 0, errorMessage: null, resourceName: 't', resourceType: ConfigResourceTypes.TOPIC }], throttleTime: 0 });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configNames: ['cleanup.policy', 'retention.ms'] }],
      });
      expect(described).toEqual({
        resources: [
          {
            configEntries: [
              { configName: 'retention.ms', configValue: '604800000', isDefault: true, configSource: ConfigSource.DEFAULT_CONFIG, isSensitive: false, readOnly: false, configSynonyms: [] },
              { configName: 'cleanup.policy', configValue: 'compact', isDefault: false, configSource: ConfigSource.TOPIC_CONFIG, isSensitive: false, readOnly: false, configSynonyms: [] },
            ],
            errorCode: 0,
            errorMessage: null,
            resourceName: 't',
            resourceType: ConfigResourceTypes.TOPIC,
          },
        ],
        throttleTime: 0,
      });
      const all = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 't' }] });
      expect(all.resources[0]!.configEntries.map((e) => e.configName).sort()).toEqual(Object.keys(TOPIC_CONFIG_DEFAULTS).sort());
      await expect(admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configEntries: [{ name: 'max.message.bytes', value: '1' }] }] })).rejects.toMatchObject({
        status: 400,
        field: 'max.message.bytes',
      });
      await expect(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }] })).rejects.toThrow(TypeError);
      await expect(admin.alterConfigs({ validateOnly: true, resources: [] })).rejects.toThrow(/validateOnly/);
    } finally {
      await served.close();
    }
  });
});
