import { describe, expect, it, vi } from 'vitest';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { ConfigResourceTypes, ConfigSource, Runnel } from '../../lib/client/index.js';
import { serveRunnel } from '../support/http-server.js';
import { TOPIC_CONFIG_DEFAULTS } from '../../lib/contract/topics.js';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { murmur2, toPositive } from '../../lib/codec/murmur2.js';
import { countMatching, injectFault } from '../support/faults.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { readAll, readThroughGaps } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { autoCreateTopicsFromEnv } from '../../lib/config.js';
import { createApp } from '../../lib/http/app.js';
import { createServices } from '../../lib/runtime.js';

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
      [{ 'segment.bytes': '1' }, 'segment.bytes'],
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

/** Every log-table item (heads, chunks) of the stack: what a purge must leave none of. */
async function logItems(stack: TestStack): Promise<number> {
  return (await stack.runnel.clients.dynamo.send(new ScanCommand({ TableName: stack.config.logTable, ConsistentRead: true }))).Count ?? 0;
}

const partitionFor = (key: string, partitions: number) => toPositive(murmur2(new TextEncoder().encode(key))) % partitions;

describe.each(BACKENDS)('adding partitions (%s)', (backend) => {
  it('raises the count: new heads exist, every reader of the count sees it, keyed records map over the new count', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 2 });
    // Another instance caches the topic with 2 partitions before the increase.
    const stale = stack.another();
    expect((await stale.request('GET', '/v1/topics/t/partitions/0/records?offset=0')).status).toBe(200);
    await stale.request('POST', '/v1/groups/g/members', { topics: ['t'], memberId: 'm' });

    const res = await stack.request('POST', '/v1/topics/t/partitions', { count: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 't', partitions: 5 });
    expect((await stack.request('GET', '/v1/topics/t')).body.partitionStates).toEqual(
      [0, 1, 2, 3, 4].map((partition) => ({ partition, logStartOffset: 0, highWatermark: 0, bytes: 0 })),
    );
    // A partition past the stale count: produce, fetch and offset lookups read the count afresh.
    expect((await stale.request('POST', '/v1/topics/t/records', { records: [{ value: 'p4', partition: 4 }] })).body.offsets).toEqual([
      { partition: 4, offset: 0, timestamp: expect.any(Number) },
    ]);
    expect((await stale.request('GET', '/v1/topics/t/partitions/4/records?offset=0')).body.records.map((r: any) => r.value)).toEqual(['p4']);
    expect((await stale.request('GET', '/v1/topics/t/partitions/3/offsets?spec=latest')).body).toEqual({ offset: 0 });
    expect((await stack.request('GET', '/v1/topics/t/partitions/5/records?offset=0')).status).toBe(400);
    // A key maps by murmur2 over the new count, as Kafka's partitioner does after an increase.
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => partitionFor(k, 5) !== partitionFor(k, 2))!;
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ key, value: 1 }] })).body.offsets[0].partition).toBe(partitionFor(key, 5));
    // The maintenance job works on all five; the group's member is assigned all five.
    expect((await stack.runnel.maintain()).partitionsChecked).toBe(5);
    const hb = await stack.request('POST', '/v1/groups/g/members/m/heartbeat');
    expect([...hb.body.assignments, ...hb.body.pending].map((a: any) => a.partition).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('only up: 400 invalid_partitions for a count not above the current one; 400 past the limit; 404 for an unknown topic', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 3 });
    for (const count of [3, 2]) {
      const res = await stack.request('POST', '/v1/topics/t/partitions', { count });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_partitions', field: 'count' });
    }
    for (const body of [{ count: 1001 }, { count: '4' }, {}, { count: 4, extra: 1 }]) expect((await stack.request('POST', '/v1/topics/t/partitions', body)).status).toBe(400);
    expect((await stack.request('POST', '/v1/topics/nope/partitions', { count: 4 })).status).toBe(404);
    expect((await stack.request('GET', '/v1/topics/t')).body.partitions).toBe(3);
  });

  it('produce during the increase loses nothing: every acknowledged record reads back', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 2 });
    const producers = [stack.another(), stack.another()];
    let growing = true;
    const acked: Array<{ partition: number; offset: number; value: string }> = [];
    const produceLoop = async (p: TestStack, id: number) => {
      for (let i = 0; growing || i < 3; i++) {
        const value = `${id}-${i}`;
        const res = await p.request('POST', '/v1/topics/t/records', { records: [{ key: value, value }] });
        expect(res.status).toBe(200);
        acked.push({ ...res.body.offsets[0], value });
      }
    };
    const loops = producers.map(produceLoop);
    expect((await stack.request('POST', '/v1/topics/t/partitions', { count: 4 })).status).toBe(200);
    expect((await stack.request('POST', '/v1/topics/t/partitions', { count: 6 })).status).toBe(200);
    growing = false;
    await Promise.all(loops);
    const stored = new Map<string, string>();
    for (let partition = 0; partition < 6; partition++) for (const r of await readAll(stack, 't', partition)) stored.set(`${partition}:${r.offset}`, r.value);
    for (const a of acked) expect(stored.get(`${a.partition}:${a.offset}`)).toBe(a.value);
    expect(stored.size).toBe(acked.length);
  });

  it('an increase cut short leaves heads that a retry reuses and a delete purges', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 1 });
    // The last write, the one that raises the count, never happens: the process died there.
    const fault = injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: (input) => input.UpdateExpression === 'SET #partitions = :count' });
    expect((await stack.request('POST', '/v1/topics/t/partitions', { count: 4 })).status).toBe(500);
    fault.remove();
    expect((await stack.request('GET', '/v1/topics/t')).body.partitions).toBe(1);
    // A smaller increase than the one cut short; its heads were made already.
    expect((await stack.request('POST', '/v1/topics/t/partitions', { count: 3 })).status).toBe(200);
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'x', partition: 2 }] })).status).toBe(200);
    expect((await stack.request('DELETE', '/v1/topics/t')).status).toBe(204);
    expect(await stack.runnel.purge()).toBe(1);
    // Including the fourth head, which the topic never counted.
    expect(await logItems(stack)).toBe(0);
  });

  it('a delete racing an increase fences and purges the new heads too', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 1 });
    // The delete happens right after the increase recorded how far heads may go, before it made them.
    const other = stack.another();
    let deleted: Promise<{ status: number }> | undefined;
    injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'after',
      error: 'none',
      match: (input) => input.UpdateExpression === 'SET headExtent = :extent',
      meanwhile: async () => {
        deleted = other.request('DELETE', '/v1/topics/t');
        await deleted;
      },
    });
    const grown = await stack.request('POST', '/v1/topics/t/partitions', { count: 3 });
    expect((await deleted!).status).toBe(204);
    expect(grown.status).toBe(404);
    expect(await stack.runnel.purge()).toBe(1);
    expect(await logItems(stack)).toBe(0);
  });
});

describe.each(BACKENDS)('adding partitions to a topic with a push subscription (%s)', (backend) => {
  it('the new partitions carry the subscription, so their records are delivered', async () => {
    const stack = await createTestStack(backend, { dispatchInProcess: true, dispatcher: { leaseMs: 10_000 } });
    const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const receiver = await startWebhookReceiver(secret, () => ({}));
    try {
      await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
      const sub = await stack.request('POST', '/v1/subscriptions', { name: 'billing', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret } });
      expect(sub.status).toBe(201);
      expect((await stack.request('POST', '/v1/topics/orders/partitions', { count: 3 })).status).toBe(200);
      expect((await stack.request('POST', '/v1/topics/orders/records', { records: [{ key: 'k', value: 'on 2', partition: 2 }] })).status).toBe(200);
      const delivered = () => receiver.received.flatMap((d) => Object.values((d.body as { records: Record<string, Array<{ partition: number }>> }).records).flat());
      await vi.waitFor(() => expect(delivered().map((r) => r.partition)).toEqual([2]), { timeout: 20_000 });
    } finally {
      stack.runnel.subscriptions.dispatcher.close();
      await receiver.close();
    }
  });

  it('a subscription created while partitions are added marks the new heads too, though the increase read partition 0 before the mark', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    const other = stack.another();
    let grown: { status: number } | undefined;
    // The subscription's first mark (partition 0) waits while another instance adds two partitions:
    // the increase copies partition 0's marks, of which there are none yet.
    injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'before',
      error: 'none',
      match: (input) => String(input.UpdateExpression).startsWith('ADD subscribers'),
      meanwhile: async () => (grown = await other.request('POST', '/v1/topics/orders/partitions', { count: 3 })),
    });
    const sub = await stack.request('POST', '/v1/subscriptions', { name: 'billing', topic: 'orders', target: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect(grown?.status).toBe(200);
    const { topicId } = await stack.runnel.topics.get('orders');
    const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
    const marks = await Promise.all([0, 1, 2].map(async (partition) => (await heads.read(partitionKey({ topicId, partition })))?.subscribers));
    expect(marks).toEqual([['billing'], ['billing'], ['billing']]);
  });
});

/** An instance of the stack's deployment with auto.create.topics.enable on, num.partitions 3. */
function autoCreating(stack: TestStack) {
  const app = createApp(createServices({ ...stack.config, autoCreateTopics: { numPartitions: 3 } }));
  return async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe.each(BACKENDS)('topic auto-creation (%s)', (backend) => {
  it('on: a produce to a missing topic creates it with num.partitions and the default configs, once, however many race', async () => {
    const stack = await createTestStack(backend);
    const [a, b] = [autoCreating(stack), autoCreating(stack)];
    const results = await Promise.all([a, b, a, b].map((request, i) => request('POST', '/v1/topics/clicks/records', { records: [{ key: `k${i}`, value: i }] })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const topic = await stack.request('GET', '/v1/topics/clicks');
    expect(topic.body).toMatchObject({ name: 'clicks', partitions: 3, config: TOPIC_CONFIG_DEFAULTS });
    const stored = (await Promise.all([0, 1, 2].map((p) => readAll(stack, 'clicks', p)))).flat();
    expect(stored.map((r) => r.value).sort()).toEqual([0, 1, 2, 3]);
    expect((await stack.request('GET', '/v1/topics')).body.topics.map((t: any) => t.name)).toEqual(['clicks']);
  });

  it("on: a group member's join creates the topics it subscribes to; a fetch or describe of a missing topic is still 404", async () => {
    const stack = await createTestStack(backend);
    const request = autoCreating(stack);
    expect((await request('GET', '/v1/topics/views/partitions/0/records?offset=0')).status).toBe(404);
    expect((await request('GET', '/v1/topics/views')).status).toBe(404);
    expect((await request('POST', '/v1/groups/g/members', { topics: ['views'], memberId: 'm' })).status).toBe(200);
    expect((await stack.request('GET', '/v1/topics/views')).body.partitions).toBe(3);
  });

  it('off (the default): a produce to a missing topic is 404 unknown_topic and creates nothing', async () => {
    const stack = await createTestStack(backend);
    const res = await stack.request('POST', '/v1/topics/clicks/records', { records: [{ value: 1 }] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_topic');
    expect((await stack.request('POST', '/v1/groups/g/members', { topics: ['clicks'] })).status).toBe(404);
    expect((await stack.request('GET', '/v1/topics')).body.topics).toEqual([]);
  });
});

describe('auto.create.topics.enable from the environment', () => {
  it('RUNNEL_AUTO_CREATE_TOPICS and RUNNEL_NUM_PARTITIONS, with a default per deployment; nonsense refused', () => {
    expect(autoCreateTopicsFromEnv({}, false)).toBeUndefined();
    expect(autoCreateTopicsFromEnv({}, true)).toEqual({ numPartitions: 1 });
    expect(autoCreateTopicsFromEnv({ RUNNEL_AUTO_CREATE_TOPICS: 'true', RUNNEL_NUM_PARTITIONS: '6' }, false)).toEqual({ numPartitions: 6 });
    expect(autoCreateTopicsFromEnv({ RUNNEL_AUTO_CREATE_TOPICS: 'false' }, true)).toBeUndefined();
    expect(() => autoCreateTopicsFromEnv({ RUNNEL_AUTO_CREATE_TOPICS: 'yes' }, true)).toThrow(/true or false/);
    expect(() => autoCreateTopicsFromEnv({ RUNNEL_NUM_PARTITIONS: '0' }, true)).toThrow(/from 1 to 1000/);
    expect(() => autoCreateTopicsFromEnv({ RUNNEL_NUM_PARTITIONS: '1001' }, true)).toThrow(/from 1 to 1000/);
  });
});
