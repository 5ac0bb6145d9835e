import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bundleDir } from '../../cdk/functions.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { HEAD_WAKEUP_FILTER, streamWakeups } from '../../lib/subscriptions/stream-wakeups.js';
import { WakeRegistrationStore } from '../../lib/wake/wake-registrations.js';
import { WATCHED_HEAD_FILTER, watchedCommits } from '../../lib/wake/watched-commits.js';
import { hostBundle, type BundleHost } from '../support/bundle-host.js';
import { logTableStream, mappingEvents } from '../support/dynamodb-stream.js';
import type { FilterPattern } from '../support/event-filter.js';
import { RunnelApi } from '../../lib/client/api.js';
import { HttpClient } from '../../lib/client/http.js';
import { WakeChannel, type OpenSocket } from '../../lib/client/wake-channel.js';
import { apiGatewayFetch, lambdaEnvironment } from '../support/lambda-bundles.js';
import { startManagementApiServer, type ManagementApiServer } from '../support/management-api-server.js';
import { createTestStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

/** Each mapping's filter, as the construct installs them: the dispatcher's and the wake notifier's. */
const DISPATCHER_FILTER = HEAD_WAKEUP_FILTER as unknown as FilterPattern;
const NOTIFIER_FILTER = WATCHED_HEAD_FILTER as unknown as FilterPattern;
const FILTERS = [DISPATCHER_FILTER, NOTIFIER_FILTER];
const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');

const isHeadOf = (topicId: string) => (r: DynamoDBRecord) => r.dynamodb?.Keys?.b?.N === '-1' && r.dynamodb.Keys.p?.S?.startsWith(`${topicId}#`);

// dynalite has no streams: the AWS path runs on DynamoDB Local only, the emulator that has them.
describe('wake sockets on the AWS path, on dynamodb-local: the $connect bundle registers, real stream records drive the notifier and dispatcher bundles', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** orders (2 partitions) and quiet (2), the stream, the management API, and the bundles as Lambda would run them. */
  async function setup() {
    const server: ManagementApiServer = await startManagementApiServer();
    cleanup.push(() => server.close());
    const stack: TestStack = await createTestStack('dynamodb-local');
    const stream = await logTableStream(stack);
    await stack.runnel.admin.create({ name: 'orders', partitions: 2 });
    await stack.runnel.admin.create({ name: 'quiet', partitions: 2 });
    const env = { ...lambdaEnvironment(stack.config), RUNNEL_WAKE_CALLBACK_URL: server.callbackUrl };
    const connect: BundleHost = await hostBundle(join(bundleDir('wake-connect'), 'index.mjs'), 'wake-connect', env);
    cleanup.push(() => connect.close());
    const notifier: BundleHost = await hostBundle(join(bundleDir('wake-notifier'), 'index.mjs'), 'wake-notifier', env);
    cleanup.push(() => notifier.close());
    const dispatcher: BundleHost = await hostBundle(join(bundleDir('dispatcher'), 'index.mjs'), 'dispatcher', lambdaEnvironment(stack.config));
    cleanup.push(() => dispatcher.close());
    const orders = await stack.runnel.topics.get('orders');
    const quiet = await stack.runnel.topics.get('quiet');
    await stream.records();
    return {
      stack,
      server,
      orders,
      quiet,
      notifier,
      dispatcher,
      /** Opens a socket as API Gateway would: `$connect` with the presigned URL's query; answers the status. */
      async open(connectionId: string, partitions: string, topic = 'orders') {
        const { result } = await connect.invoke({
          requestContext: { connectionId, routeKey: '$connect', eventType: 'CONNECT' },
          queryStringParameters: { topic, partitions, 'X-Amz-Signature': 'checked-by-api-gateway' },
          multiValueQueryStringParameters: { topic: [topic], partitions: [partitions], 'X-Amz-Signature': ['checked-by-api-gateway'] },
        });
        if (result.statusCode === 200) server.open.add(connectionId);
        return result.statusCode as number;
      },
      /** Every record since the last call, and the events the mapping would build of them, without invoking anything. */
      async events() {
        const records = await stream.records();
        return mappingEvents(records, FILTERS);
      },
      /** Every record since the last call, split as the two mappings would: the wake notifier's events and the dispatcher's. */
      async mapped() {
        const records = await stream.records();
        return { records, notifier: mappingEvents(records, NOTIFIER_FILTER), dispatcher: mappingEvents(records, DISPATCHER_FILTER) };
      },
      /**
       * Every event either mapping would invoke its function with since the last call, and invokes it with
       * each: the notifier reports no failure, the dispatcher returns nothing.
       */
      async dispatch() {
        const { records, notifier: woken, dispatcher: delivered } = await this.mapped();
        for (const event of woken) expect((await notifier.invoke(event)).result).toEqual({ batchItemFailures: [] });
        for (const event of delivered) expect((await dispatcher.invoke(event)).result).toBeFalsy();
        return { records, events: [...woken, ...delivered] };
      },
    };
  }

  it('a produce to a watched partition reaches each socket watching it exactly once; the marks themselves wake nobody', async () => {
    const t = await setup();
    expect(await t.open('s1', '0')).toBe(200);
    // A head's first mark passes no filter: no invocation at all.
    expect((await t.dispatch()).events).toEqual([]);
    // s2's mark on partition 1 is a first one too; on partition 0 it renews s1's, which does invoke the
    // notifier (a filter cannot compare two fields), and it wakes nobody.
    expect(await t.open('s2', '0,1')).toBe(200);
    const renewal = await t.dispatch();
    expect(renewal.events.flatMap((e) => e.Records).map((r) => r.dynamodb?.Keys?.p?.S)).toEqual([`${t.orders.topicId}#0`]);
    expect(await t.open('s3', '1')).toBe(200);
    await t.dispatch();
    expect(t.server.posts.size).toBe(0);

    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }] });
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'c' }] });
    await t.dispatch();
    const wake = JSON.stringify({ topic: 'orders', partitions: [0] });
    expect(t.server.posts.get('s1')).toEqual([wake]);
    expect(t.server.posts.get('s2')).toEqual([wake]);
    expect(t.server.posts.has('s3')).toBe(false);
    const left = await new WakeRegistrationStore(t.stack.runnel.clients.dynamo, t.stack.config.groupsTable).live(t.orders.topicId, Date.now());
    expect(left.map((r) => r.connectionId)).toEqual(['s3']);

    // Nobody watches partition 0 any more, so its mark was cleared: its next commits invoke nothing.
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'd' }] });
    const after = await t.dispatch();
    expect(after.records.filter(isHeadOf(t.orders.topicId)).length).toBeGreaterThan(0);
    expect(after.events).toEqual([]);
    expect(t.server.posts.get('s1')).toHaveLength(1);
  });

  it('on a subscribed topic, a socket’s mark passes the subscriptions’ filter but wakes neither a subscription nor a socket', async () => {
    const t = await setup();
    await t.stack.runnel.subscriptions.admin.create({ name: 'billing', topic: 'orders', target: { type: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:billing' } });
    await t.events();
    expect(await t.open('s1', '0,1')).toBe(200);
    expect(await t.open('s2', '1')).toBe(200);
    const events = await t.events();
    expect(events.length).toBeGreaterThan(0);
    expect(events.flatMap((e) => streamWakeups(e))).toEqual([]);
    expect(events.flatMap((e) => watchedCommits(e))).toEqual([]);
  });

  it('an unwatched topic’s commits pass no filter, so they invoke nothing', async () => {
    const t = await setup();
    expect(await t.open('s1', '0,1')).toBe(200);
    for (let i = 0; i < 4; i++) await t.stack.runnel.produce.produce('quiet', { records: [{ partition: i % 2, value: i }] });
    const { records, events } = await t.dispatch();
    expect(records.filter(isHeadOf(t.quiet.topicId)).length).toBeGreaterThanOrEqual(4);
    expect(events).toEqual([]);
    expect(t.server.posts.size + t.server.gone.size).toBe(0);
  });

  it('a gone socket’s registration is deleted when a commit finds it, and its mark with it', async () => {
    const t = await setup();
    // What a $connect wrote a minute ago for a socket that has closed since.
    const now = Date.now();
    await new WakeRegistrationStore(t.stack.runnel.clients.dynamo, t.stack.config.groupsTable).register({
      connectionId: 'closed',
      topic: 'orders',
      topicId: t.orders.topicId,
      partitions: [1],
      registeredAt: now - 60_000,
      expiresAt: now + 10 * 60_000,
    });
    const heads = new HeadStore(t.stack.runnel.clients.dynamo, t.stack.config.logTable);
    await heads.markWatched({ pk: `${t.orders.topicId}#1`, until: now + 10 * 60_000, by: 'closed' });
    await t.dispatch();

    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 1, value: 'x' }] });
    await t.dispatch();
    expect(t.server.gone.get('closed')).toBe(1);
    expect(await new WakeRegistrationStore(t.stack.runnel.clients.dynamo, t.stack.config.groupsTable).live(t.orders.topicId, Date.now())).toEqual([]);
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 1, value: 'y' }] });
    expect((await t.dispatch()).events).toEqual([]);
    expect(t.server.gone.get('closed')).toBe(1);
  });

  it('a commit on a topic both subscribed and watched wakes the socket through the notifier while the dispatcher is still delivering it', async () => {
    const t = await setup();
    // The subscription's webhook takes the delivery and does not answer until the test lets it.
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const receiver = await startWebhookReceiver(SECRET, async () => (await held, {}));
    cleanup.push(() => receiver.close());
    await t.stack.runnel.subscriptions.admin.create({ name: 'billing', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: SECRET } });
    expect(await t.open('s1', '0')).toBe(200);
    await t.mapped();

    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'a' }] });
    const { notifier, dispatcher } = await t.mapped();
    expect(dispatcher).toHaveLength(1);
    expect(notifier).toHaveLength(1);
    let delivered = false;
    const delivering = t.dispatcher.invoke(dispatcher[0]).then((r) => ((delivered = true), r));
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 20_000, interval: 20 });

    // The notifier is a function of its own on a mapping of its own: it wakes s1 while the delivery hangs.
    expect((await t.notifier.invoke(notifier[0])).result).toEqual({ batchItemFailures: [] });
    expect(t.server.posts.get('s1')).toEqual([JSON.stringify({ topic: 'orders', partitions: [0] })]);
    expect(delivered).toBe(false);

    answer();
    expect((await delivering).result).toBeFalsy();
    expect(receiver.received).toHaveLength(1);
    expect(t.server.posts.get('s1')).toHaveLength(1);
  });

  it('a post that still fails after the SDK’s retries is reported from its first record; the retry from there wakes it, and nobody twice', async () => {
    const t = await setup();
    expect(await t.open('q1', '0', 'quiet')).toBe(200);
    expect(await t.open('s1', '0')).toBe(200);
    expect(await t.open('s2', '0')).toBe(200);
    await t.mapped();
    t.server.failing.add('s1');

    // quiet's commit first, then orders': one batch, as the mapping would hand it over.
    await t.stack.runnel.produce.produce('quiet', { records: [{ partition: 0, value: 'q' }] });
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'a' }] });
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'b' }] });
    const { notifier } = await t.mapped();
    expect(notifier).toHaveLength(1);
    const batch = notifier[0]!;
    const firstOrders = batch.Records.findIndex(isHeadOf(t.orders.topicId));
    expect(firstOrders).toBeGreaterThan(0);
    expect(batch.Records.slice(0, firstOrders).every(isHeadOf(t.quiet.topicId))).toBe(true);

    const first = await t.notifier.invoke(batch);
    expect(first.result).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[firstOrders]!.dynamodb!.SequenceNumber }] });
    expect(t.server.failed.get('s1')).toBeGreaterThan(1);
    expect(t.server.posts.has('s1')).toBe(false);
    const wake = (topic: string) => [JSON.stringify({ topic, partitions: [0] })];
    expect(t.server.posts.get('s2')).toEqual(wake('orders'));
    expect(t.server.posts.get('q1')).toEqual(wake('quiet'));
    // s1 is still registered, and the mark kept, for the retry.
    const registrations = new WakeRegistrationStore(t.stack.runnel.clients.dynamo, t.stack.config.groupsTable);
    expect((await registrations.live(t.orders.topicId, Date.now())).map((r) => r.connectionId)).toEqual(['s1']);

    // Lambda retries the batch from the reported record: quiet's record, before it, is not handed over again.
    t.server.failing.delete('s1');
    const retried = { Records: batch.Records.slice(firstOrders) };
    expect((await t.notifier.invoke(retried)).result).toEqual({ batchItemFailures: [] });
    expect(t.server.posts.get('s1')).toEqual(wake('orders'));
    expect(t.server.posts.get('s2')).toEqual(wake('orders'));
    expect(t.server.posts.get('q1')).toEqual(wake('quiet'));
    expect(await registrations.live(t.orders.topicId, Date.now())).toEqual([]);

    // A second retry of the same records (an invocation that timed out after it had woken them) posts nothing.
    expect((await t.notifier.invoke(retried)).result).toEqual({ batchItemFailures: [] });
    expect([...t.server.posts.values()].flat()).toHaveLength(3);
    // Nobody watches orders' partition 0 now: its next commit invokes nothing.
    await t.mapped();
    await t.stack.runnel.produce.produce('orders', { records: [{ partition: 0, value: 'c' }] });
    expect((await t.mapped()).notifier).toEqual([]);
  });

  it('refuses a socket for a topic that does not exist, with the API’s error', async () => {
    const t = await setup();
    const connect = await hostBundle(join(bundleDir('wake-connect'), 'index.mjs'), 'wake-connect', lambdaEnvironment(t.stack.config));
    cleanup.push(() => connect.close());
    const { result } = await connect.invoke({ requestContext: { connectionId: 'x' }, queryStringParameters: { topic: 'nope' } });
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error.code).toBe('unknown_topic');
  });

  it('the fetch function names the WebSocket API, and the client’s presigned socket URL is one $connect accepts', async () => {
    const t = await setup();
    const socketUrl = 'wss://ws123.execute-api.us-east-1.amazonaws.com/wake';
    const fetchFn = await hostBundle(join(bundleDir('fetch'), 'index.mjs'), 'fetch', { ...lambdaEnvironment(t.stack.config), RUNNEL_WAKE_SOCKET_URL: socketUrl });
    cleanup.push(() => fetchFn.close());
    const connect = await hostBundle(join(bundleDir('wake-connect'), 'index.mjs'), 'wake-connect', lambdaEnvironment(t.stack.config));
    cleanup.push(() => connect.close());
    const invoke = async (event: unknown) => (await fetchFn.invoke(event)).result;
    const api = new RunnelApi(
      new HttpClient({
        url: 'https://api123.execute-api.us-east-1.amazonaws.com',
        fetch: apiGatewayFetch({ fetch: invoke, admin: invoke, produce: invoke, groups: invoke }),
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      }),
    );
    expect(await api.call('wakeChannel', { topic: 'orders' })).toEqual({ url: `${socketUrl}?topic=orders` });

    // The consumer's own wake channel, with a socket that only records the URL it was given and opens.
    const urls: string[] = [];
    const open: OpenSocket = (url) => {
      urls.push(url);
      const socket = { onopen: null as ((e: unknown) => void) | null, onmessage: null, onclose: null, onerror: null, close: () => {} };
      setTimeout(() => socket.onopen?.({}), 0);
      return socket;
    };
    const channel = new WakeChannel(api, { woken: () => {}, ended: () => {} }, async () => open);
    expect(await channel.arm(new Map([['orders', [1, 0]]]))).toBeGreaterThan(0);
    channel.close();
    const presigned = new URL(urls[0]!);
    expect(`${presigned.origin}${presigned.pathname}`).toBe(socketUrl);
    expect(presigned.searchParams.get('X-Amz-Credential')).toMatch(/\/us-east-1\/execute-api\/aws4_request$/);

    // API Gateway checks the signature, then hands $connect the whole query.
    const query = Object.fromEntries(presigned.searchParams);
    const { result } = await connect.invoke({
      requestContext: { connectionId: 'c-presigned' },
      queryStringParameters: query,
      multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    });
    expect(result).toEqual({ statusCode: 200 });
    const registered = await new WakeRegistrationStore(t.stack.runnel.clients.dynamo, t.stack.config.groupsTable).live(t.orders.topicId, Date.now());
    expect(registered.map((r) => [r.connectionId, r.partitions])).toEqual([['c-presigned', [0, 1]]]);
  });
});
