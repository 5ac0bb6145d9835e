import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer, ConsumerConfig } from '../../lib/client/consumer.js';
import { configFromEnv } from '../../lib/config.js';
import { createApp } from '../../lib/http/app.js';
import { createServices } from '../../lib/runtime.js';
import { Runnel } from '../../lib/index.js';
import type { WakeSocket } from '../../lib/wake/wake-hub.js';
import { countCommands, countMatching } from '../support/faults.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { killableConsumer, sleep, until, type TestConsumer } from './consumer-support.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Request {
  member: string;
  method: string;
  path: string;
}

describe.each(BACKENDS)('wake sockets of idle pull consumers (%s)', (backend) => {
  let served: ServedRunnel | undefined;
  const consumers: Consumer[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => {})));
    for (const close of closers.splice(0)) await close();
    await served?.close();
    served = undefined;
  });

  async function topicStack(partitions: number, options: Parameters<typeof createTestStack>[1] = {}): Promise<{ stack: TestStack; topicId: string }> {
    const stack = await createTestStack(backend, options);
    const created = await stack.request('POST', '/v1/topics', { name: 'orders', partitions });
    expect(created.status).toBe(201);
    const described = await stack.request('GET', '/v1/topics/orders');
    return { stack, topicId: described.body.topicId };
  }

  /** A member whose requests are recorded, handling records into `seen`. */
  async function member(name: string, requests: Request[], seen: Array<{ member: string; partition: number; value: unknown; session?: number }>, extra: Partial<ConsumerConfig> = {}, onRecord?: () => Promise<number>) {
    const runnel = new Runnel({
      url: served!.url,
      fetch: (input, init) => {
        requests.push({ member: name, method: init?.method ?? 'GET', path: new URL(String(input)).pathname });
        return fetch(input, init);
      },
    });
    const consumer = runnel.consumer({ groupId: 'billing', memberId: name, heartbeatInterval: 300, sessionTimeout: 3000, autoCommitInterval: 100, ...extra });
    consumers.push(consumer);
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ member: name, partition, value: message.value!.toString(), ...(onRecord ? { session: await onRecord() } : {}) });
      },
    });
    return consumer;
  }

  // Issue 8's reference deployment: a push subscription to a webhook and a pull group of 2 on one 12-partition topic.
  it('idle, 2 members on 12 partitions send no fetch while their sockets are open; storage sees only their heartbeats, the webhook nothing; a record wakes its owner', async () => {
    const { stack, topicId } = await topicStack(12, { dispatchInProcess: true });
    const receiver = await startWebhookReceiver(SECRET);
    closers.push(() => receiver.close());
    expect((await stack.request('POST', '/v1/subscriptions', { name: 'email', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: SECRET } })).status).toBe(201);
    served = await serveRunnel(stack.runnel);
    const requests: Request[] = [];
    const seen: Array<{ member: string; partition: number; value: unknown }> = [];
    // Idle heartbeats once a second, so that the window sees some.
    for (const name of ['a', 'b']) await member(name, requests, seen, { idleHeartbeatInterval: 1000, idleSessionTimeout: 5000 });
    // Idle: each socket open, its catch-up fetch answered, and a heartbeat sent since naming the idle session.
    await until('6 partitions each, both members idle on their sockets', async () => {
      if (!consumers.every((c) => c.assignment().length === 6) || stack.runnel.wake.watching(topicId) !== 2) return undefined;
      const d = await stack.request('GET', '/v1/groups/billing');
      return d.body.members.every((m: any) => m.sessionTimeoutMs === 5000) ? true : undefined;
    });

    const dynamo = countMatching(stack.runnel.clients.dynamo, () => true);
    const byTable = new Map<string, number>();
    countMatching(stack.runnel.clients.dynamo, (command, input) => {
      const table = input.TableName === stack.config.logTable ? 'log' : input.TableName === stack.config.groupsTable ? 'groups' : 'topics';
      byTable.set(`${command} ${table}`, (byTable.get(`${command} ${table}`) ?? 0) + 1);
      return true;
    });
    const s3 = countCommands(stack.runnel.clients.s3);
    requests.length = 0;
    await sleep(3000);
    const window = [...requests];
    const storage = new Map(byTable);
    // Nothing but heartbeats: no fetch, no wake-channel lookup, no commit.
    expect(window.filter((r) => !r.path.endsWith('/heartbeat')).map((r) => `${r.member} ${r.method} ${r.path}`)).toEqual([]);
    expect(window.length).toBeGreaterThan(0);
    // Each heartbeat is one Query of the group and one conditional write of its member item, plus the
    // topic's definition when the server's one-second cache of it has run out; the log table and S3 are never touched.
    const heartbeats = window.length;
    expect([...storage.keys()].filter((k) => !['QueryCommand groups', 'UpdateItemCommand groups', 'GetItemCommand topics'].includes(k))).toEqual([]);
    expect(storage.get('QueryCommand groups') ?? 0).toBeLessThanOrEqual(heartbeats + 2);
    expect(storage.get('UpdateItemCommand groups') ?? 0).toBeLessThanOrEqual(heartbeats + 2);
    expect(storage.get('GetItemCommand topics') ?? 0).toBeLessThanOrEqual(heartbeats + 2);
    expect(dynamo()).toBeGreaterThan(0);
    expect([...s3]).toEqual([]);
    expect(receiver.received).toEqual([]);

    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'wake up', partition: 7 }] });
    const owner = consumers.find((c) => c.assignment().some((a) => a.partition === 7))!;
    await until('the record handled by the owner of partition 7, and delivered to the webhook', () => (seen.length === 1 && receiver.received.length === 1 ? true : undefined));
    expect(seen).toEqual([{ member: owner.id, partition: 7, value: 'wake up' }]);
    // Only the owner's socket watched partition 7; the other member is still asleep on its own.
    expect(stack.runnel.wake.watching(topicId)).toBeGreaterThanOrEqual(1);
  });

  it('a woken member heartbeats with its busy session before its handler sees the record', async () => {
    const { stack, topicId } = await topicStack(2);
    served = await serveRunnel(stack.runnel);
    const requests: Request[] = [];
    const seen: Array<{ member: string; partition: number; value: unknown; session?: number }> = [];
    const sessionOnRecord = async () => (await stack.request('GET', '/v1/groups/billing')).body.members[0].sessionTimeoutMs as number;
    await member('solo', requests, seen, { idleHeartbeatInterval: 500, idleSessionTimeout: 20_000 }, sessionOnRecord);
    await until('the socket open and an idle heartbeat written', async () =>
      stack.runnel.wake.watching(topicId) === 1 && (await stack.request('GET', '/v1/groups/billing')).body.members[0].sessionTimeoutMs === 20_000 ? true : undefined,
    );
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 1, partition: 1 }] });
    await until('the record handled', () => (seen.length === 1 ? true : undefined));
    expect(seen[0]!.session).toBe(3000);
  });

  it('a woken member whose busy heartbeats fail holds its records until one is answered: no record is handled under the idle session', async () => {
    const { stack, topicId } = await topicStack(2);
    served = await serveRunnel(stack.runnel);
    const BUSY = 3000;
    const IDLE = 20_000;
    // The session named by the member's last answered join or heartbeat: what the server holds for it.
    let answeredSession: number | undefined;
    let failBusyHeartbeats = 0;
    let failed = 0;
    const runnel = new Runnel({
      url: served.url,
      // No transport retries inside a call: each failed heartbeat reaches the consumer, which retries on its own.
      retry: { retries: 0 },
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        const beat = init?.method === 'POST' && (path.endsWith('/heartbeat') || path.endsWith('/members'));
        const named = beat ? (JSON.parse(String(init!.body)).sessionTimeoutMs as number | undefined) : undefined;
        if (beat && path.endsWith('/heartbeat') && named === BUSY && failBusyHeartbeats > 0) {
          failBusyHeartbeats--;
          failed++;
          throw new TypeError('fetch failed: connection refused');
        }
        const res = await fetch(input, init);
        if (beat && res.ok) answeredSession = named;
        return res;
      },
    });
    const consumer = runnel.consumer({ groupId: 'billing', memberId: 'solo', heartbeatInterval: 300, sessionTimeout: BUSY, idleHeartbeatInterval: 500, idleSessionTimeout: IDLE, autoCommitInterval: 100 });
    consumers.push(consumer);
    const seen: Array<{ answeredSession: number | undefined; serverSession: number; failed: number }> = [];
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        const serverSession = (await stack.request('GET', '/v1/groups/billing')).body.members[0].sessionTimeoutMs as number;
        seen.push({ answeredSession, serverSession, failed });
      },
    });
    await until('the socket open and an idle heartbeat answered', () => (stack.runnel.wake.watching(topicId) === 1 && answeredSession === IDLE ? true : undefined));
    // The next 3 busy heartbeats fail before they reach the server, which keeps the idle session meanwhile.
    failBusyHeartbeats = 3;
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 1, partition: 1 }] });
    await until('the record handled', () => (seen.length === 1 ? true : undefined));
    expect(seen[0]).toEqual({ answeredSession: BUSY, serverSession: BUSY, failed: 3 });
  });

  it('a socket that drops between a commit and its message: the member fetches on the close and gets the record', async () => {
    const { stack, topicId } = await topicStack(1);
    served = await serveRunnel(stack.runnel);
    // The first socket to be woken loses its message with its connection.
    let dropped = 0;
    const watch = stack.runnel.wake.watch.bind(stack.runnel.wake);
    stack.runnel.wake.watch = (registration, socket) => {
      const lossy: WakeSocket = {
        send: (text) => (dropped++ ? socket.send(text) : undefined),
        close: (code, reason) => (dropped === 1 ? socket.terminate!() : socket.close(code, reason)),
      };
      return watch(registration, lossy);
    };
    const seen: Array<{ member: string; partition: number; value: unknown }> = [];
    await member('solo', [], seen);
    await until('the socket open', () => (stack.runnel.wake.watching(topicId) === 1 ? true : undefined));
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'lost wake' }] });
    await until('the record handled', () => (seen.length === 1 ? true : undefined));
    expect(dropped).toBe(1);
    // And the member sleeps on a new socket after it.
    await until('a new socket open', () => (stack.runnel.wake.watching(topicId) === 1 ? true : undefined));
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'woken' }] });
    await until('the second record handled', () => (seen.length === 2 ? true : undefined));
  });

  it('a commit between the empty fetch and the socket registration is fetched by the catch-up fetch', async () => {
    const { stack, topicId } = await topicStack(1);
    served = await serveRunnel(stack.runnel);
    // The socket's registration reads the topic fresh; the first time, a record is committed just before.
    let raced = false;
    (stack.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (!raced && context.commandName === 'GetItemCommand' && args.input.TableName === stack.config.topicsTable && args.input.ConsistentRead) {
          raced = true;
          await stack.runnel.produce.produce('orders', { records: [{ value: 'raced' }] });
        }
        return next(args);
      },
      { step: 'initialize', name: 'commit-during-registration' },
    );
    const requests: Request[] = [];
    const seen: Array<{ member: string; partition: number; value: unknown }> = [];
    await member('solo', requests, seen);
    await until('the raced record handled', () => (seen.length === 1 ? true : undefined));
    expect(raced).toBe(true);
    expect(seen[0]!.value).toBe('raced');
    expect(stack.runnel.wake.watching(topicId)).toBeLessThanOrEqual(1);
  });

  it('a server without wake sockets: the member polls at its idle back-off, and records arrive', async () => {
    const { stack } = await topicStack(2);
    served = await serveRunnel(stack.runnel, { wakeSockets: false });
    const requests: Request[] = [];
    const seen: Array<{ member: string; partition: number; value: unknown }> = [];
    await member('solo', requests, seen, { idleBackoff: { initialMs: 20, maxMs: 100 } });
    await until('polling at the cap', () => (requests.filter((r) => r.path.endsWith('/fetch')).length > 5 ? true : undefined));
    expect(requests.some((r) => r.path.endsWith('/wake'))).toBe(true);
    await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: 'polled', partition: 0 }] });
    await until('the record handled', () => (seen.length === 1 ? true : undefined));
    // Its heartbeats name the busy session: it is not idle on a socket.
    const described = await stack.request('GET', '/v1/groups/billing');
    expect(described.body.members[0].sessionTimeoutMs).toBe(3000);
  });

  it('a Lambda-style app (no wake sockets) answers {"url": null} even with RUNNEL_WAKE_URL in its environment: nothing on AWS would send a wake', async () => {
    const { stack } = await topicStack(2);
    // The setting is gone: an environment naming one must not send members to sleep on a socket nobody wakes.
    const app = createApp(createServices({ ...configFromEnv({ RUNNEL_WAKE_URL: 'wss://ws.example/prod' }), ...stack.config }));
    const answer = await app.request('/v1/topics/orders/wake');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ url: null });
  });

  it('a member that dies while idle is taken over once its idle session runs out', async () => {
    const { stack, topicId } = await topicStack(4);
    served = await serveRunnel(stack.runnel);
    const idle = { heartbeatInterval: 200, sessionTimeout: 1500, idleHeartbeatInterval: 500, idleSessionTimeout: 3000, autoCommitInterval: 100 };
    const victim: TestConsumer = killableConsumer(served.url, { groupId: 'billing', memberId: 'victim', ...idle });
    consumers.push(victim.consumer);
    await victim.consumer.subscribe({ topic: 'orders' });
    await victim.consumer.run({ eachMessage: async () => {} });
    await until('the victim idle on its socket, naming its idle session', async () => {
      const d = await stack.request('GET', '/v1/groups/billing');
      return stack.runnel.wake.watching(topicId) === 1 && d.body.members[0]?.sessionTimeoutMs === 3000 ? true : undefined;
    });
    const survivor = killableConsumer(served.url, { groupId: 'billing', memberId: 'survivor', ...idle });
    consumers.push(survivor.consumer);
    await survivor.consumer.subscribe({ topic: 'orders' });
    await survivor.consumer.run({ eachMessage: async () => {} });
    await until('2 partitions each', () => (victim.consumer.assignment().length === 2 && survivor.consumer.assignment().length === 2 ? true : undefined));
    await until('the victim idle again', async () => ((await stack.request('GET', '/v1/groups/billing')).body.members.find((m: any) => m.memberId === 'victim')?.sessionTimeoutMs === 3000 ? true : undefined));
    const killedAt = Date.now();
    victim.kill();
    await until('the survivor holds all 4', () => (survivor.consumer.assignment().length === 4 ? true : undefined));
    // Not before the victim's idle session ran out on the server (G1): its last heartbeat named 3 s.
    const lastVictimBeat = victim.heartbeats.at(-1)!;
    expect(Date.now() - lastVictimBeat.sentAt).toBeGreaterThanOrEqual(3000);
    expect(killedAt).toBeGreaterThanOrEqual(lastVictimBeat.sentAt);
  });
});
