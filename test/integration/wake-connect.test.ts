import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadStore } from '../../lib/log/head-store.js';
import { HEAD_SORT_KEY } from '../../lib/storage/schema.js';
import { TopicStore } from '../../lib/topics/topic-store.js';
import { connectionPoster } from '../../lib/wake/connection-poster.js';
import { SocketWaker, OPENING_GRACE_MS } from '../../lib/wake/socket-waker.js';
import { REGISTRATION_TTL_MS, registerWakeSocket, wakeConnectHandler, type WakeConnectDeps, type WakeConnectEvent } from '../../lib/wake/wake-connect.js';
import { WakeRegistrationStore } from '../../lib/wake/wake-registrations.js';
import type { WatchedCommit } from '../../lib/wake/watched-commits.js';
import { countCommands } from '../support/faults.js';
import { startManagementApiServer, type ManagementApiServer } from '../support/management-api-server.js';
import { BACKENDS, createTestStack, freshClients, type Backend, type TestStack } from '../support/stack.js';

const WRITES = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand'];

/** A topic `orders` of 3 partitions with records on each, and the `$connect` logic over its own counted client. */
async function setup(backend: Backend) {
  const stack = await createTestStack(backend);
  await stack.runnel.admin.create({ name: 'orders', partitions: 3 });
  for (const partition of [0, 1, 2]) await stack.runnel.produce.produce('orders', { records: [{ partition, value: { partition } }] });
  const { dynamo } = freshClients(stack.config);
  const commands = countCommands(dynamo);
  let now = Date.now();
  const heads = new HeadStore(dynamo, stack.config.logTable);
  const deps: WakeConnectDeps & { registrations: WakeRegistrationStore } = {
    topics: new TopicStore(dynamo, stack.config.topicsTable, heads),
    heads,
    registrations: new WakeRegistrationStore(dynamo, stack.config.groupsTable),
    clock: () => now,
  };
  const { topicId } = await stack.runnel.topics.get('orders');
  const headItem = async (partition: number): Promise<Record<string, AttributeValue>> =>
    (await dynamo.send(new GetItemCommand({ TableName: stack.config.logTable, Key: { p: { S: `${topicId}#${partition}` }, b: { N: String(HEAD_SORT_KEY) } }, ConsistentRead: true }))).Item!;
  const writes = () => WRITES.reduce((sum, name) => sum + (commands.get(name) ?? 0), 0);
  return { stack, deps, commands, topicId, headItem, writes, advance: (ms: number) => void (now += ms), now: () => now };
}

const connectEvent = (connectionId: string, query: Record<string, string | string[]>): WakeConnectEvent => ({
  requestContext: { connectionId },
  queryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v].flat().at(-1)!])),
  multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v].flat()])),
});

/** The commit a stream record of a produce to `partition` would carry: the head's mark as it is now. */
async function commitOn(t: Awaited<ReturnType<typeof setup>>, partition: number): Promise<WatchedCommit> {
  const item = await t.headItem(partition);
  return { topicId: t.topicId, partition, mark: { until: Number(item.watchedUntil!.N), by: item.watchedBy!.S! } };
}

describe.each(BACKENDS)('wake sockets on AWS: $connect and the stream’s wake, on %s', (backend) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function withServer(): Promise<ManagementApiServer> {
    const server = await startManagementApiServer();
    cleanup.push(() => server.close());
    return server;
  }

  const wakerFor = (t: Awaited<ReturnType<typeof setup>>, server: ManagementApiServer, stack: TestStack) =>
    new SocketWaker({
      heads: t.deps.heads,
      registrations: t.deps.registrations,
      poster: connectionPoster({ region: stack.config.region, callbackUrl: server.callbackUrl, credentials: stack.config.credentials }),
      clock: t.now,
    });

  it('a connect writes one registration and one mark per watched head, and moves no log field', async () => {
    const t = await setup(backend);
    const before = await Promise.all([0, 1, 2].map(t.headItem));
    const registration = await registerWakeSocket(t.deps, 'conn-a', { topic: 'orders', partitions: '0,2' });

    expect(registration).toMatchObject({ connectionId: 'conn-a', topic: 'orders', topicId: t.topicId, partitions: [0, 2], expiresAt: t.now() + REGISTRATION_TTL_MS });
    expect(t.commands.get('PutItemCommand')).toBe(1);
    expect(t.commands.get('UpdateItemCommand')).toBe(2);
    expect(t.writes()).toBe(3);
    const after = await Promise.all([0, 1, 2].map(t.headItem));
    for (const p of [0, 2]) {
      const { watchedUntil, watchedBy, ...rest } = after[p]!;
      expect(rest).toEqual(before[p]);
      expect({ until: Number(watchedUntil?.N), by: watchedBy?.S }).toEqual({ until: registration.expiresAt, by: 'conn-a' });
    }
    expect(after[1]).toEqual(before[1]);
    expect(await t.deps.registrations.live(t.topicId, t.now())).toEqual([registration]);
  });

  it('a connect naming no partitions watches them all', async () => {
    const t = await setup(backend);
    expect((await registerWakeSocket(t.deps, 'conn-all', { topic: 'orders' })).partitions).toEqual([0, 1, 2]);
    expect(t.commands.get('UpdateItemCommand')).toBe(3);
  });

  it.each([
    [{}, 400, 'invalid_request', 'topic'],
    [{ topic: 'orders', partitions: 'x' }, 400, 'invalid_request', 'partitions'],
    [{ topic: 'orders', partitions: '0,0' }, 400, 'invalid_request', 'partitions'],
    [{ topic: 'orders', partitions: '3' }, 400, 'invalid_partition', 'partitions'],
    [{ topic: 'orders', partitions: ['0', '1'] }, 400, 'invalid_request', 'partitions'],
    [{ topic: 'orders', since: '5' }, 400, 'invalid_request', 'since'],
    [{ topic: 'no-such-topic' }, 404, 'unknown_topic', undefined],
  ] as Array<[Record<string, string | string[]>, number, string, string | undefined]>)('refuses %j with %i %s, naming the field, and writes nothing', async (query, status, code, field) => {
    const t = await setup(backend);
    const result = await wakeConnectHandler(t.deps)(connectEvent('conn-bad', query));
    expect(result.statusCode).toBe(status);
    const body = JSON.parse(result.body!);
    expect(body.error.code).toBe(code);
    expect(body.error.field).toBe(field);
    expect(t.writes()).toBe(0);
  });

  it('accepts a presigned URL’s query: the signature’s parameters are API Gateway’s business', async () => {
    const t = await setup(backend);
    const signed = { topic: 'orders', partitions: '1', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': 'AKID/20261124/us-east-1/execute-api/aws4_request', 'X-Amz-Date': '20261124T130000Z', 'X-Amz-Expires': '60', 'X-Amz-SignedHeaders': 'host', 'X-Amz-Signature': 'ab' };
    expect(await wakeConnectHandler(t.deps)(connectEvent('conn-signed', signed))).toEqual({ statusCode: 200 });
  });

  it('a commit on a watched partition posts one wake to each socket watching it, deletes their registrations and clears the mark', async () => {
    const t = await setup(backend);
    const server = await withServer();
    await registerWakeSocket(t.deps, 'conn-a', { topic: 'orders', partitions: '0,1' });
    await registerWakeSocket(t.deps, 'conn-b', { topic: 'orders', partitions: '1' });
    await registerWakeSocket(t.deps, 'conn-c', { topic: 'orders', partitions: '2' });
    for (const id of ['conn-a', 'conn-b', 'conn-c']) server.open.add(id);
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 1, value: 'x' }] });
    const waker = wakerFor(t, server, t.stack);

    const commit = await commitOn(t, 1);
    expect(commit.mark.by).toBe('conn-b');
    expect(await waker.wake([commit])).toEqual({ sent: 2, gone: 0, cleared: 1, failed: [] });
    expect(server.posts.get('conn-a')).toEqual([JSON.stringify({ topic: 'orders', partitions: [1] })]);
    expect(server.posts.get('conn-b')).toEqual([JSON.stringify({ topic: 'orders', partitions: [1] })]);
    expect(server.posts.has('conn-c')).toBe(false);
    expect((await t.deps.registrations.live(t.topicId, t.now())).map((r) => r.connectionId)).toEqual(['conn-c']);
    expect((await t.headItem(1)).watchedUntil).toBeUndefined();
    // Partition 2's socket still watches it.
    expect((await t.headItem(2)).watchedBy?.S).toBe('conn-c');

    // The same commit seen again (a retried batch) wakes nobody twice.
    expect(await waker.wake([commit])).toEqual({ sent: 0, gone: 0, cleared: 0, failed: [] });
    expect(server.posts.get('conn-a')).toHaveLength(1);
  });

  it('a socket found gone is deregistered, unless it may still be opening', async () => {
    const t = await setup(backend);
    const server = await withServer();
    await registerWakeSocket(t.deps, 'conn-old', { topic: 'orders', partitions: '0' });
    t.advance(OPENING_GRACE_MS + 1);
    await registerWakeSocket(t.deps, 'conn-opening', { topic: 'orders', partitions: '0' });
    const waker = wakerFor(t, server, t.stack);

    expect(await waker.wake([await commitOn(t, 0)])).toEqual({ sent: 0, gone: 1, cleared: 0, failed: [] });
    expect(server.gone.get('conn-old')).toBe(1);
    expect(server.gone.get('conn-opening')).toBe(1);
    expect((await t.deps.registrations.live(t.topicId, t.now())).map((r) => r.connectionId)).toEqual(['conn-opening']);
    // The opening socket still watches partition 0, so its mark stays.
    expect((await t.headItem(0)).watchedBy?.S).toBe('conn-opening');
  });

  it('an expired mark is cleared without reading the registrations', async () => {
    const t = await setup(backend);
    const server = await withServer();
    await registerWakeSocket(t.deps, 'conn-a', { topic: 'orders', partitions: '2' });
    const commit = await commitOn(t, 2);
    t.advance(REGISTRATION_TTL_MS + 1);
    t.commands.clear();

    expect(await wakerFor(t, server, t.stack).wake([commit])).toEqual({ sent: 0, gone: 0, cleared: 1, failed: [] });
    expect(t.commands.get('QueryCommand')).toBeUndefined();
    expect([...t.commands.keys()]).toEqual(['UpdateItemCommand']);
    expect((await t.headItem(2)).watchedUntil).toBeUndefined();
  });

  it('a clear never removes a mark written after the commit it judged', async () => {
    const t = await setup(backend);
    const server = await withServer();
    await registerWakeSocket(t.deps, 'conn-a', { topic: 'orders', partitions: '0' });
    server.open.add('conn-a');
    const commit = await commitOn(t, 0);
    // conn-b registers and marks after the commit's record was written, before its wake is handled.
    await registerWakeSocket(t.deps, 'conn-b', { topic: 'orders', partitions: '0' });
    await t.deps.registrations.remove(t.topicId, 'conn-b');

    expect(await wakerFor(t, server, t.stack).wake([commit])).toEqual({ sent: 1, gone: 0, cleared: 0, failed: [] });
    expect((await t.headItem(0)).watchedBy?.S).toBe('conn-b');
  });

  it('a deleted topic’s heads refuse the mark, and the socket is refused', async () => {
    const t = await setup(backend);
    const topic = await t.stack.runnel.topics.get('orders');
    for (const p of [0, 1, 2]) await t.deps.heads.markDeleted(`${topic.topicId}#${p}`);
    const result = await wakeConnectHandler(t.deps)(connectEvent('conn-late', { topic: 'orders', partitions: '0' }));
    expect(result.statusCode).toBe(404);
    expect((await t.headItem(0)).watchedUntil).toBeUndefined();
  });
});
