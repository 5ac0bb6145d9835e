import { kafkaConsumer, SchemaType } from '@aws-lambda-powertools/kafka';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countMatching, injectFault } from '../support/faults.js';
import { startLambdaInvokeServer, type LambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver, type WebhookAnswer, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');

interface TriggerRecord {
  partition: number;
  offset: number;
  value: string | null;
}
const recordsOf = (body: unknown): TriggerRecord[] => Object.values((body as { records: Record<string, TriggerRecord[]> }).records).flat();

const leaseWrite = (expression: string) => (input: { Key?: { item?: { S?: string } }; UpdateExpression?: string }) =>
  (input.Key?.item?.S ?? '').startsWith('lease#') && (input.UpdateExpression ?? '').startsWith(expression);
const ACQUIRE = 'SET #o = :me, epoch = :e';
const COMMIT = 'SET committedOffset = :o';
const RELEASE = 'SET expiresAt = :zero REMOVE #o';

describe.each(BACKENDS)('subscription delivery under faults and races (%s)', (backend) => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let answer: (body: unknown) => WebhookAnswer | Promise<WebhookAnswer>;
  let now: number;
  const clock = () => now;

  beforeEach(async () => {
    now = Date.now();
    answer = () => ({});
    receiver = await startWebhookReceiver(SECRET, (d) => answer(d.body));
  });
  afterEach(async () => {
    stack?.runnel.subscriptions.dispatcher.close();
    await receiver.close();
  });

  const setUp = async (partitions = 1, options: Parameters<typeof createTestStack>[1] = {}, subscription: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => {
    stack = await createTestStack(backend, { dispatcher: { leaseMs: 10_000 }, ...options });
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions, config });
    const res = await stack.request('POST', '/v1/subscriptions', {
      name: 'billing',
      topic: 'orders',
      target: { type: 'webhook', url: receiver.url, secret: SECRET },
      maxAttempts: 3,
      backoff: { initialMs: 10, maxMs: 10, multiplier: 1 },
      ...subscription,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  const produce = async (s: TestStack, records: unknown[]) => expect((await s.request('POST', '/v1/topics/orders/records', { records })).status).toBe(200);
  const offsets = () => receiver.received.flatMap((d) => recordsOf(d.body).map((r) => r.offset));
  const committed = async (partition = 0) => (await stack.request('GET', '/v1/subscriptions/billing')).body.partitions[partition].committedOffset;
  const wake = (s: TestStack) => s.runnel.subscriptions.dispatcher.wake([{ topic: 'orders', partition: 0 }]);

  describe('a dispatcher that dies', () => {
    it('before the invoke leaves the lease to expire; the next dispatcher then delivers every record once', async () => {
      await setUp(1, { clock });
      const other = stack.another({ clock, dispatcher: { leaseMs: 10_000 } });
      await produce(stack, [{ value: 1 }, { value: 2 }]);
      injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'after', match: leaseWrite(ACQUIRE) });
      await wake(stack);
      expect(receiver.received).toHaveLength(0);
      await wake(other);
      expect(receiver.received).toHaveLength(0); // the dead dispatcher's lease still fences it
      now += 11_000;
      await wake(other);
      expect(offsets()).toEqual([0, 1]);
      expect(await committed()).toBe(2);
    });

    it('after the invoke but before the commit: the records are delivered again (at least once), then committed', async () => {
      await setUp(1, { clock });
      const other = stack.another({ clock, dispatcher: { leaseMs: 10_000 } });
      await produce(stack, [{ value: 1 }, { value: 2 }]);
      injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: leaseWrite(COMMIT) });
      injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: leaseWrite(RELEASE) });
      await wake(stack);
      expect(offsets()).toEqual([0, 1]);
      expect(await committed()).toBe(0);
      now += 11_000;
      await wake(other);
      expect(offsets()).toEqual([0, 1, 0, 1]);
      expect(await committed()).toBe(2);
    });

    it('after the commit: nothing is delivered twice', async () => {
      await setUp(1, { clock });
      const other = stack.another({ clock, dispatcher: { leaseMs: 10_000 } });
      await produce(stack, [{ value: 1 }, { value: 2 }]);
      injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'after', match: leaseWrite(COMMIT) });
      injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: leaseWrite(RELEASE) });
      await wake(stack);
      now += 11_000;
      await produce(other, [{ value: 3 }]);
      await wake(other);
      expect(offsets()).toEqual([0, 1, 2]);
      expect(await committed()).toBe(3);
    });
  });

  it('two dispatchers racing on a partition never deliver at once (S3), and every record arrives in order', async () => {
    await setUp(1, { dispatchInProcess: true });
    const other = stack.another({ dispatchInProcess: true, dispatcher: { leaseMs: 10_000 } });
    let inFlight = 0;
    let maxInFlight = 0;
    answer = async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return {};
    };
    try {
      await Promise.all(Array.from({ length: 12 }, (_, i) => produce(i % 2 ? stack : other, [{ value: i }, { value: i }])));
      await vi.waitFor(async () => expect(await committed()).toBe(24), { timeout: 30_000 });
      expect(maxInFlight).toBe(1);
      // In order, and each record once: no failure, so nothing is delivered again.
      expect(offsets()).toEqual(Array.from({ length: 24 }, (_, i) => i));
    } finally {
      other.runnel.subscriptions.dispatcher.close();
    }
  });

  it('keeps per-partition order with concurrent producers', async () => {
    await setUp(3, { dispatchInProcess: true });
    await Promise.all(
      Array.from({ length: 4 }, (_, producer) =>
        (async () => {
          for (let i = 0; i < 6; i++) await produce(stack, [{ key: `k${(producer + i) % 5}`, value: { producer, i } }, { key: `k${i % 5}`, value: { producer, i } }]);
        })(),
      ),
    );
    const states = (await stack.request('GET', '/v1/topics/orders')).body.partitionStates as Array<{ partition: number; highWatermark: number }>;
    await vi.waitFor(async () => {
      for (const s of states) expect(await committed(s.partition)).toBe(s.highWatermark);
    }, { timeout: 30_000 });
    for (const s of states) {
      const seen = receiver.received.flatMap((d) => recordsOf(d.body)).filter((r) => r.partition === s.partition).map((r) => r.offset);
      expect(seen).toEqual(Array.from({ length: s.highWatermark }, (_, i) => i));
    }
  });

  it('reports records retention removed before delivery, and goes on from the log start (S2)', async () => {
    // One-minute retention; the subscription starts at the log start and lags, paused.
    await setUp(1, {}, { startPosition: 'earliest' }, { 'retention.ms': 60_000 });
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'paused' });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 3; i++) await produce(stack, [{ value: `old-${i}`, timestamp: old }]);
    await produce(stack, [{ value: 'new' }]);
    await stack.runnel.maintain({ now: Date.now() });
    const start = (await stack.request('GET', '/v1/topics/orders')).body.partitionStates[0].logStartOffset;
    expect(start).toBeGreaterThan(0);
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'active' });
    await wake(stack);
    const p = (await stack.request('GET', '/v1/subscriptions/billing')).body.partitions[0];
    expect(p).toMatchObject({ committedOffset: 4, expiredUndelivered: start, lastError: { kind: 'expired' } });
    expect(offsets()[0]).toBe(start);
  });

  it('makes no request at all while idle (S5): no storage, no target', async () => {
    await setUp(2, { dispatchInProcess: true });
    await produce(stack, [{ value: 1 }]);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 20_000 });
    // Let the run finish its release and its look at the head.
    await stack.runnel.subscriptions.dispatcher.wake([{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]);
    const dynamo = countMatching(stack.runnel.clients.dynamo, () => true);
    const s3 = countMatching(stack.runnel.clients.s3, () => true);
    const deliveries = receiver.received.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect({ dynamo: dynamo(), s3: s3(), webhook: receiver.received.length - deliveries }).toEqual({ dynamo: 0, s3: 0, webhook: 0 });
  });

  it('a commit to a topic nobody subscribes to wakes nothing and costs no extra request', async () => {
    await setUp(1, { dispatchInProcess: true });
    const plain = stack.another();
    await stack.request('POST', '/v1/topics', { name: 'quiet', partitions: 1 });
    const produceQuiet = (s: TestStack) => s.request('POST', '/v1/topics/quiet/records', { records: [{ value: 0 }] });
    await produceQuiet(stack);
    await produceQuiet(plain);
    const dispatching = countMatching(stack.runnel.clients.dynamo, () => true);
    const notDispatching = countMatching(plain.runnel.clients.dynamo, () => true);
    await produceQuiet(stack);
    await produceQuiet(plain);
    expect(dispatching()).toBe(notDispatching());
    expect(receiver.received).toHaveLength(0);
  });

  it('leaves a retry that outlasts the run as state, and the maintenance run resumes it when due', async () => {
    // A run with 4 s of budget (2 s once its margin is kept) cannot wait out a 3 s backoff.
    await setUp(1, { clock, resumeSubscriptions: true, dispatcher: { leaseMs: 10_000, remainingMs: () => 4_000 } }, { backoff: { initialMs: 3_000, maxMs: 3_000, multiplier: 1 } });
    let calls = 0;
    answer = () => (++calls === 1 ? { status: 503 } : {});
    await produce(stack, [{ value: 1 }]);
    await wake(stack);
    const waiting = (await stack.request('GET', '/v1/subscriptions/billing')).body.partitions[0];
    expect(waiting).toMatchObject({ committedOffset: 0, attempts: 1, nextAttemptAt: now + 3_000, delivering: false });
    await wake(stack); // not due yet: nothing is delivered
    expect((await stack.runnel.maintain()).subscriptionPartitionsResumed).toBe(0);
    expect(calls).toBe(1);
    now += 3_000;
    expect((await stack.runnel.maintain()).subscriptionPartitionsResumed).toBe(1);
    expect(calls).toBe(2);
    expect(await committed()).toBe(1);
  });

  it("waits as long as a throttled webhook's Retry-After asks, within backoff.maxMs, and as the policy says when it asks for less", async () => {
    await setUp(1, { clock, resumeSubscriptions: true, dispatcher: { leaseMs: 10_000, remainingMs: () => 4_000 } }, { maxAttempts: 5, backoff: { initialMs: 3_000, maxMs: 60_000, multiplier: 1 } });
    const asked = [() => '30', () => '3600', () => new Date(now + 45_500).toUTCString(), () => '1'];
    let calls = 0;
    answer = () => (calls < asked.length ? { status: calls % 2 ? 503 : 429, headers: { 'retry-after': asked[calls++]!() } } : (calls++, {}));
    await produce(stack, [{ value: 1 }]);
    await wake(stack);
    // 30 s asked: waited, though the policy says 3 s. An hour asked: held to maxMs. A date about 45 s on:
    // until then (HTTP dates have whole seconds). A second asked: the policy's 3 s.
    for (const [attempts, wait] of [[1, 30_000], [2, 60_000], [3, 'date'], [4, 3_000]] as const) {
      const waitMs = wait === 'date' ? Math.floor((now + 45_500) / 1000) * 1000 - now : wait;
      const waiting = (await stack.request('GET', '/v1/subscriptions/billing')).body.partitions[0];
      expect(waiting).toMatchObject({ committedOffset: 0, attempts, nextAttemptAt: now + waitMs, lastError: { kind: 'unavailable' } });
      now += waitMs - 1;
      expect((await stack.runnel.maintain()).subscriptionPartitionsResumed).toBe(0);
      now += 1;
      expect((await stack.runnel.maintain()).subscriptionPartitionsResumed).toBe(1);
    }
    expect(calls).toBe(5);
    expect(await committed()).toBe(1);
  });
});

describe.each(BACKENDS)('Lambda targets (%s)', (backend) => {
  let server: LambdaInvokeServer;
  const handled: unknown[] = [];
  // A handler written for Lambda's Kafka trigger, with Powertools' Kafka consumer utility, unchanged.
  const handler = kafkaConsumer(
    async (event) => {
      const failures = [];
      for (const r of event.records) {
        handled.push(r.value);
        if ((r.value as { poison?: boolean }).poison) failures.push({ itemIdentifier: { partition: `${r.topic}-${r.partition}`, offset: r.offset } });
      }
      return { batchItemFailures: failures };
    },
    { value: { type: SchemaType.JSON } },
  );

  beforeEach(async () => {
    handled.length = 0;
    server = await startLambdaInvokeServer({ 'order-handler': handler as never });
  });
  afterEach(() => server.close());

  it('invokes a function with the Kafka-trigger event and honours its batchItemFailures', async () => {
    const stack = await createTestStack(backend, { dispatchInProcess: true });
    try {
      // The config object is the one the stack's services were made with; the Lambda client is made on first use.
      stack.config.lambdaEndpoint = server.endpoint;
      await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
      const res = await stack.request('POST', '/v1/subscriptions', {
        name: 'billing',
        topic: 'orders',
        target: { type: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:order-handler' },
        maxAttempts: 2,
        backoff: { initialMs: 10, maxMs: 10, multiplier: 1 },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: { n: 1 } }, { value: { poison: true } }, { value: { n: 3 } }] });
      await vi.waitFor(async () => expect((await stack.request('GET', '/v1/subscriptions/billing')).body.partitions[0]).toMatchObject({ committedOffset: 3, deadLettered: 1 }), {
        timeout: 20_000,
      });
      expect(handled).toEqual([{ n: 1 }, { poison: true }, { n: 3 }, { poison: true }, { n: 3 }]);
    } finally {
      stack.runnel.subscriptions.dispatcher.close();
    }
  });
});
