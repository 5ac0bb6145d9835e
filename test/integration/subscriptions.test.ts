import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { startWebhookReceiver, type WebhookAnswer, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

interface TriggerRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<Record<string, number[]>>;
}
const recordsOf = (body: unknown): TriggerRecord[] => Object.values((body as { records: Record<string, TriggerRecord[]> }).records).flat();
const valueOf = (r: TriggerRecord) => (r.value === null ? null : JSON.parse(Buffer.from(r.value, 'base64').toString('utf8')));

describe.each(BACKENDS)('push subscriptions (%s)', (backend) => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let answer: (n: number, body: unknown) => WebhookAnswer | Promise<WebhookAnswer>;

  beforeEach(async () => {
    stack = await createTestStack(backend, { dispatchInProcess: true, dispatcher: { leaseMs: 10_000 } });
    answer = () => ({});
    receiver = await startWebhookReceiver(SECRET, (d) => answer(receiver.received.length, d.body));
  });
  afterEach(async () => {
    stack.runnel.subscriptions.dispatcher.close();
    await receiver.close();
  });

  const subscribe = async (extra: Record<string, unknown> = {}) => {
    const res = await stack.request('POST', '/v1/subscriptions', { name: 'billing', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: SECRET }, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const produce = async (records: unknown[]) => {
    const res = await stack.request('POST', '/v1/topics/orders/records', { records });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.offsets as Array<{ partition: number; offset: number }>;
  };
  const delivered = () => receiver.received.flatMap((d) => recordsOf(d.body));

  it('delivers committed records to a webhook in offset order, signed, and commits them', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe({ batchSize: 3 });
    await produce([{ key: 'a', value: { n: 1 }, headers: { trace: 'x' } }, { key: 'a', value: { n: 2 } }]);
    await produce([{ key: 'a', value: { n: 3 } }, { key: 'a', value: { n: 4 } }]);
    await vi.waitFor(() => expect(delivered()).toHaveLength(4), { timeout: 20_000 });
    expect(receiver.rejected).toEqual([]);
    expect(delivered().map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(delivered().map(valueOf)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(delivered()[0]!.headers).toEqual([{ trace: [120] }]);
    await vi.waitFor(async () => {
      const d = await stack.request('GET', '/v1/subscriptions/billing');
      expect(d.body.partitions[0]).toMatchObject({ committedOffset: 4, lag: 0, attempts: 0, delivering: false });
    }, { timeout: 20_000 });
    const group = await stack.request('GET', '/v1/groups/billing');
    expect(group.body.partitions[0]).toMatchObject({ topic: 'orders', partition: 0, committedOffset: 4, lag: 0 });
  });

  const dlqRecords = async () => (await stack.request('GET', '/v1/topics/billing.dlq/partitions/0/records?offset=0')).body.records as Array<{ key: string; value: unknown; headers: Record<string, string> }>;
  const describeSub = async () => (await stack.request('GET', '/v1/subscriptions/billing')).body;
  const fastRetries = { maxAttempts: 3, backoff: { initialMs: 10, maxMs: 10, multiplier: 1 } };

  it('dead-letters a record as large as the source topic allows, whatever the dead-letter topic\'s own max.message.bytes (S4)', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1, config: { 'max.message.bytes': 4 * 1024 * 1024 } });
    await subscribe({ ...fastRetries, maxAttempts: 1 });
    answer = () => ({ status: 400 });
    await produce([{ key: 'big', value: 'x'.repeat(4 * 1024 * 1024 - 1024) }, { key: 'k', value: { n: 1 } }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 2, deadLettered: 2 }), { timeout: 30_000 });
    const dlq = await stack.request('GET', '/v1/topics/billing.dlq');
    expect(dlq.body.partitionStates[0].highWatermark).toBe(2);
  });

  it('sends a poison record to the dead-letter topic after exactly maxAttempts, with its headers, and delivers the records after it', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe(fastRetries);
    answer = (_n, body) => {
      const poison = recordsOf(body).find((r) => valueOf(r)?.poison);
      return poison ? { status: 200, body: { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: poison.offset } }] } } : {};
    };
    await produce([{ key: 'k', value: { n: 0 } }, { key: 'k', value: { poison: true }, headers: { trace: 't-9' } }, { key: 'k', value: { n: 2 } }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 3, deadLettered: 1 }), { timeout: 20_000 });
    const tries = receiver.received.filter((d) => recordsOf(d.body).some((r) => r.offset === 1));
    expect(tries).toHaveLength(3);
    expect(delivered().filter((r) => r.offset === 2).length).toBeGreaterThanOrEqual(1);
    const [dead] = await dlqRecords();
    expect(dead).toMatchObject({
      key: 'k',
      value: { poison: true },
      headers: {
        trace: 't-9',
        'runnel.dlq.topic': 'orders',
        'runnel.dlq.partition': '0',
        'runnel.dlq.offset': '1',
        'runnel.dlq.subscription': 'billing',
        'runnel.dlq.group': 'billing',
        'runnel.dlq.attempts': '3',
      },
    });
    expect(dead!.headers['runnel.dlq.error']).toContain('batchItemFailures');
  });

  it('commits up to the first failed record of a partial batch answer and delivers the rest again', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe({ ...fastRetries, maxBatchingWindowMs: 0 });
    let failedOnce = false;
    answer = (_n, body) => {
      if (!failedOnce && recordsOf(body).some((r) => r.offset === 2)) {
        failedOnce = true;
        return { status: 200, body: { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 2 } }] } };
      }
      return {};
    };
    await produce([0, 1, 2, 3, 4].map((n) => ({ value: n, partition: 0 })));
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 5, attempts: 0 }), { timeout: 20_000 });
    const offsets = delivered().map((r) => r.offset);
    expect(offsets.filter((o) => o === 0)).toHaveLength(1);
    expect(offsets.filter((o) => o === 1)).toHaveLength(1);
    expect(offsets.filter((o) => o === 2)).toHaveLength(2);
    expect(new Set(offsets)).toEqual(new Set([0, 1, 2, 3, 4]));
    expect((await describeSub()).partitions[0].deadLettered).toBe(0);
  });

  it.each([
    ['500', { status: 500 }, 'unavailable'],
    ['400', { status: 400 }, 'rejected'],
    ['a timeout', { status: 200, delayMs: 1_500 }, 'timeout'],
  ] as const)('retries a webhook that answers %s, reports it, then dead-letters', async (_what, failure, kind) => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe({ ...fastRetries, target: { type: 'webhook', url: receiver.url, secret: SECRET, timeoutMs: 300 } });
    answer = (_n, body) => (recordsOf(body).some((r) => r.offset === 0) ? failure : {});
    await produce([{ value: 'bad' }, { value: 'good' }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 2, deadLettered: 1 }), { timeout: 20_000 });
    const p = (await describeSub()).partitions[0];
    expect(p.lastError.kind).toBe(kind);
    expect(receiver.received.filter((d) => recordsOf(d.body).some((r) => r.offset === 0))).toHaveLength(3);
    expect((await dlqRecords())[0]).toMatchObject({ value: 'bad', headers: { 'runnel.dlq.attempts': '3' } });
  });

  it('recovers from a webhook that fails and then succeeds, without dead-lettering', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe(fastRetries);
    answer = (n) => (n <= 2 ? { status: 503 } : {});
    await produce([{ value: 1 }, { value: 2 }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 2, deadLettered: 0, attempts: 0 }), { timeout: 20_000 });
    expect(receiver.received.length).toBeGreaterThanOrEqual(3);
  });

  it('reports a refused connection and dead-letters after the attempts', async () => {
    const closed = await startWebhookReceiver(SECRET);
    const url = closed.url;
    await closed.close();
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe({ ...fastRetries, target: { type: 'webhook', url, secret: SECRET } });
    await produce([{ value: 'x' }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 1, deadLettered: 1 }), { timeout: 20_000 });
    expect((await describeSub()).partitions[0].lastError).toMatchObject({ kind: 'unreachable', retriable: true });
    expect((await dlqRecords())[0]!.headers['runnel.dlq.error']).toContain('ECONNREFUSED');
  });

  const wakeAll = (partitions = 1) => stack.runnel.subscriptions.dispatcher.wake(Array.from({ length: partitions }, (_, partition) => ({ topic: 'orders', partition })));

  it('does not deliver while paused, and delivers what waited once resumed', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe();
    expect((await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'paused' })).body.state).toBe('paused');
    await produce([{ value: 1 }, { value: 2 }]);
    await wakeAll();
    expect(receiver.received).toHaveLength(0);
    expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 0, lag: 2 });
    expect((await describeSub()).partitions[0].oldestUndeliveredAgeMs).toBeGreaterThanOrEqual(0);
    expect((await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'active' })).body.state).toBe('active');
    await vi.waitFor(() => expect(delivered().map((r) => r.offset)).toEqual([0, 1]), { timeout: 20_000 });
  });

  it('stops cleanly when deleted mid-delivery: the commit is refused and nothing more is delivered', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    answer = () => held.then(() => ({}));
    await produce([{ value: 1 }]);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 20_000 });
    expect((await stack.request('DELETE', '/v1/subscriptions/billing')).status).toBe(204);
    release();
    await wakeAll();
    await produce([{ value: 2 }]);
    await wakeAll();
    expect(receiver.received).toHaveLength(1);
    expect((await stack.request('GET', '/v1/subscriptions/billing')).status).toBe(404);
    expect((await stack.request('GET', '/v1/groups/billing')).status).toBe(404);
  });

  it('stops when its topic is deleted, and does not deliver a re-created topic of the same name', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe();
    expect((await stack.request('DELETE', '/v1/topics/orders')).status).toBe(204);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await produce([{ value: 1 }]);
    await wakeAll();
    expect(receiver.received).toHaveLength(0);
    expect((await describeSub()).partitions).toEqual([]);
  });

  it('starts where startPosition says: latest skips what was there, earliest and a timestamp replay it', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await produce([{ value: 'old', timestamp: 1_000 }, { value: 'newer', timestamp: 5_000 }]);
    await subscribe();
    await stack.request('POST', '/v1/subscriptions', { name: 'audit', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: SECRET }, startPosition: 'earliest' });
    await stack.request('POST', '/v1/subscriptions', { name: 'recent', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: SECRET }, startPosition: { timestamp: 2_000 } });
    await vi.waitFor(() => expect(delivered().map(valueOf).sort()).toEqual(['newer', 'newer', 'old']), { timeout: 20_000 });
    expect((await describeSub()).partitions[0].committedOffset).toBe(2);
  });

  it('can be replayed by resetting its group offsets (S7)', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe();
    await produce([{ value: 1 }, { value: 2 }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0].committedOffset).toBe(2), { timeout: 20_000 });
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'paused' });
    const reset = await stack.request('POST', '/v1/groups/billing/offsets', { topic: 'orders', to: 'earliest' });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'active' });
    await vi.waitFor(() => expect(delivered().map((r) => r.offset)).toEqual([0, 1, 0, 1]), { timeout: 20_000 });
  });

  it('refuses a name a pull consumer group already has, a name taken, and bad input, naming the field', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    const join = await stack.request('POST', '/v1/groups/payments/members', { topics: ['orders'] });
    expect(join.status).toBe(200);
    const taken = await stack.request('POST', '/v1/subscriptions', { name: 'payments', topic: 'orders', target: { type: 'webhook', url: receiver.url } });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'group_exists' } } });
    await subscribe();
    expect((await stack.request('POST', '/v1/subscriptions', { name: 'billing', topic: 'orders', target: { type: 'webhook', url: receiver.url } })).status).toBe(409);
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: 'ftp://example.com' } }, 'target.url'],
      [{ name: 'x', topic: 'orders', target: { type: 'lambda', functionArn: 'not an arn' } }, 'target.functionArn'],
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: receiver.url, secret: 'whsec_short' } }, 'target.secret'],
      [{ name: 'x y', topic: 'orders', target: { type: 'webhook', url: receiver.url } }, 'name'],
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: receiver.url }, batchSize: 0 }, 'batchSize'],
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: receiver.url }, maxAttempts: 101 }, 'maxAttempts'],
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: receiver.url }, startPosition: 'middle' }, 'startPosition'],
      [{ name: 'x', topic: 'orders', target: { type: 'webhook', url: receiver.url }, deadLetterTopic: 'orders' }, 'deadLetterTopic'],
      [{ name: 'x', topic: 'orders', target: { type: 'sqs' } }, 'target.type'],
    ];
    for (const [body, field] of cases) {
      const res = await stack.request('POST', '/v1/subscriptions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field, JSON.stringify(res.body)).toBe(field);
    }
    expect((await stack.request('POST', '/v1/subscriptions', { name: 'x', topic: 'nope', target: { type: 'webhook', url: receiver.url } })).status).toBe(404);
    expect((await stack.request('PATCH', '/v1/subscriptions/billing', { topic: 'other' })).status).toBe(400);
    expect((await stack.request('GET', '/v1/subscriptions/nope')).status).toBe(404);
    // Its group is the dispatcher's: no member may join it, and it goes only with the subscription.
    expect((await stack.request('POST', '/v1/groups/billing/members', { topics: ['orders'] })).body.error.code).toBe('group_is_subscription');
    expect((await stack.request('DELETE', '/v1/groups/billing')).body.error.code).toBe('group_is_subscription');
  });

  it('lists subscriptions without their secrets, and shows a generated secret once, at creation', async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    const created = await stack.request('POST', '/v1/subscriptions', { name: 'billing', topic: 'orders', target: { type: 'webhook', url: receiver.url } });
    expect(created.body.target.secret).toMatch(/^whsec_/);
    const list = await stack.request('GET', '/v1/subscriptions');
    expect(list.body.subscriptions).toHaveLength(1);
    expect(list.body.subscriptions[0].target.secret).toBeUndefined();
    expect((await describeSub()).target.secret).toBeUndefined();
  });

  it("forgets a record's attempts when the group's offsets are reset past it", async () => {
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 1 });
    await subscribe({ maxAttempts: 5, backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 1 } });
    answer = () => ({ status: 500 });
    await produce([{ value: 'stuck' }, { value: 'next' }]);
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ attempts: 1, committedOffset: 0 }), { timeout: 20_000 });
    expect((await describeSub()).partitions[0].nextAttemptAt).toBeGreaterThan(Date.now());
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'paused' });
    expect((await stack.request('POST', '/v1/groups/billing/offsets', { topic: 'orders', to: 'offset', offset: 1 })).status).toBe(200);
    expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 1, attempts: 0, nextAttemptAt: null, lag: 1 });
    answer = () => ({});
    await stack.request('PATCH', '/v1/subscriptions/billing', { state: 'active' });
    await vi.waitFor(async () => expect((await describeSub()).partitions[0]).toMatchObject({ committedOffset: 2, attempts: 0 }), { timeout: 20_000 });
  });
});
