import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { injectFault } from '../support/faults.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('topics (%s)', (backend) => {
  it('creates, lists, describes and deletes, with Kafka defaults and validated config', async () => {
    const stack = await createTestStack(backend);
    const created = await stack.request('POST', '/v1/topics', { name: 'a.b_c-1', partitions: 3, config: { 'retention.ms': '3600000', 'compression.type': 'gzip' } });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({
      'retention.ms': 3600000,
      'retention.bytes': -1,
      'cleanup.policy': 'delete',
      'max.message.bytes': 1048576,
      'compression.type': 'gzip',
      'message.timestamp.after.max.ms': 3600000,
      'delete.retention.ms': 86400000,
      'min.compaction.lag.ms': 0,
      'max.compaction.lag.ms': Number.MAX_SAFE_INTEGER,
      'min.cleanable.dirty.ratio': 0.5,
    });
    await stack.request('POST', '/v1/topics', { name: 'other' });
    expect((await stack.request('GET', '/v1/topics')).body.topics.map((t: any) => [t.name, t.partitions])).toEqual([
      ['a.b_c-1', 3],
      ['other', 1],
    ]);
    await stack.request('POST', '/v1/topics/a.b_c-1/records', { records: [{ value: 1, partition: 2 }, { value: 2, partition: 2 }] });
    const described = await stack.request('GET', '/v1/topics/a.b_c-1');
    expect(described.body.partitionStates).toEqual([
      { partition: 0, logStartOffset: 0, highWatermark: 0, bytes: 0 },
      { partition: 1, logStartOffset: 0, highWatermark: 0, bytes: 0 },
      { partition: 2, logStartOffset: 0, highWatermark: 2, bytes: expect.any(Number) },
    ]);
    expect(described.body.bytes).toBe(described.body.partitionStates[2].bytes);
    const gz = await stack.request('GET', '/v1/topics/a.b_c-1/partitions/2/records?offset=0');
    expect(gz.body.records.map((r: any) => r.value)).toEqual([1, 2]);
    expect((await stack.request('DELETE', '/v1/topics/a.b_c-1')).status).toBe(204);
    expect((await stack.request('GET', '/v1/topics')).body.topics.map((t: any) => t.name)).toEqual(['other']);
  });

  it('a deleted and re-created topic starts empty, and the old data is purged', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 2 });
    const oldId = (await stack.runnel.topics.get('t')).topicId;
    await stack.request('POST', '/v1/topics/t/records', { records: [{ key: 'a', value: 'old' }, { key: 'b', value: 'old' }] });
    // Another instance has the topic cached; it must not write into or read from the old topic's storage.
    const other = stack.another();
    await other.request('GET', '/v1/topics/t/partitions/0/records?offset=0');
    expect((await stack.request('DELETE', '/v1/topics/t')).status).toBe(204);
    expect((await stack.request('POST', '/v1/topics', { name: 't', partitions: 1 })).status).toBe(201);
    const fresh = await stack.request('GET', '/v1/topics/t/partitions/0/records?offset=0');
    expect(fresh.body).toMatchObject({ records: [], highWatermark: 0 });
    const viaStale = await other.request('POST', '/v1/topics/t/records', { records: [{ value: 'new', partition: 0 }] });
    expect(viaStale.status).toBe(200);
    expect((await other.request('GET', '/v1/topics/t/partitions/0/records?offset=0')).body.records.map((r: any) => r.value)).toEqual(['new']);
    await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'newer' }] });
    expect((await stack.request('GET', '/v1/topics/t/partitions/0/records?offset=0')).body.records.map((r: any) => r.value)).toEqual(['new', 'newer']);

    expect(await stack.runnel.purge()).toBe(1);
    const objects = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket, Prefix: `${oldId}/` }));
    expect(objects.KeyCount ?? 0).toBe(0);
    for (const partition of [0, 1]) {
      const items = await stack.runnel.clients.dynamo.send(
        new QueryCommand({ TableName: stack.config.logTable, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': { S: `${oldId}#${partition}` } } }),
      );
      expect(items.Count).toBe(0);
    }
    expect(await stack.runnel.purge()).toBe(0);
    expect((await stack.request('GET', '/v1/topics/t/partitions/0/records?offset=0')).body.records).toHaveLength(2);
  });

  it('a purge marker for a topic that was never deleted purges nothing', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'keep' });
    await stack.request('POST', '/v1/topics/keep/records', { records: [{ value: 1 }] });
    // A delete that crashed after writing its marker and fencing the heads, but before deleting the topic.
    injectFault(stack.runnel.clients.dynamo, { command: 'DeleteItemCommand', phase: 'before' });
    expect((await stack.request('DELETE', '/v1/topics/keep')).status).toBe(500);
    expect(await stack.runnel.purge()).toBe(0);
    expect((await stack.request('GET', '/v1/topics/keep')).body.partitionStates[0].highWatermark).toBe(1);
    // The fenced topic takes no writes; retrying the delete finishes it.
    expect((await stack.request('POST', '/v1/topics/keep/records', { records: [{ value: 2 }] })).status).toBe(404);
    expect((await stack.request('DELETE', '/v1/topics/keep')).status).toBe(204);
    expect(await stack.runnel.purge()).toBe(1);
  });
});
