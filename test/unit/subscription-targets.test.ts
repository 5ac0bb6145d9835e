import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTarget,
  FunctionFailedError,
  TargetRejectedError,
  TargetTimeoutError,
  TargetUnavailableError,
  TargetUnreachableError,
  type Delivery,
} from '../../lib/subscriptions/targets/index.js';
import { createLambdaClient } from '../../lib/subscriptions/targets/lambda-client.js';
import { InvokeThrottled, startLambdaInvokeServer, type LambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { startWebhookReceiver, type WebhookAnswer } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const event = { eventSource: 'SelfManagedKafka', bootstrapServers: 'test', records: { 'orders-0': [] } };
/** The error a delivery failed with; a delivery that succeeded fails the test. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('the delivery succeeded'),
    (e: Error & { retriable: boolean }) => e,
  );
const delivery = (timeoutMs = 5_000): Delivery => ({ id: 'msg_billing-orders-0-0-9', body: JSON.stringify(event), timeoutMs });

describe('Lambda target (against a local server speaking the Invoke API)', () => {
  let server: LambdaInvokeServer;
  const seen: unknown[] = [];
  beforeAll(async () => {
    server = await startLambdaInvokeServer({
      ack: (e) => {
        seen.push(e);
      },
      partial: () => ({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 3 } }] }),
      throws: () => {
        throw new TypeError('cannot read x of undefined');
      },
      slow: () => new Promise((r) => setTimeout(r, 2_000)),
      throttled: () => {
        throw new InvokeThrottled(7);
      },
    });
  });
  afterAll(() => server.close());
  const lambda = () => createLambdaClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const target = (functionArn: string) => createTarget({ type: 'lambda', functionArn }, { lambda });

  it('invokes the function with the event and resolves with its answer', async () => {
    await expect(target('ack').deliver(delivery())).resolves.toBeNull();
    expect(seen.at(-1)).toEqual(event);
    await expect(target('arn:aws:lambda:us-east-1:123456789012:function:partial').deliver(delivery())).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 3 } }],
    });
  });

  it('reports a handler error (FunctionError) as a FunctionFailedError naming it', async () => {
    const e = await failure(target('throws').deliver(delivery()));
    expect(e).toBeInstanceOf(FunctionFailedError);
    expect(e.message).toContain('TypeError: cannot read x of undefined');
    expect(e.retriable).toBe(true);
  });

  it('reports a missing function as a rejection that retrying will not fix', async () => {
    const e = await failure(target('missing').deliver(delivery()));
    expect(e).toBeInstanceOf(TargetRejectedError);
    expect(e.retriable).toBe(false);
  });

  it('gives up after the timeout', async () => {
    await expect(target('slow').deliver(delivery(200))).rejects.toBeInstanceOf(TargetTimeoutError);
  });

  it("reports throttling as worth retrying, with Lambda's Retry-After as the wait it asks for", async () => {
    const e = await failure(target('throttled').deliver(delivery()));
    expect(e).toBeInstanceOf(TargetUnavailableError);
    expect(e.message).toContain('TooManyRequestsException');
    expect((e as TargetUnavailableError).retryAfterMs).toBe(7_000);
  });
});

describe('webhook target (verified by the standardwebhooks package)', () => {
  let answer: (n: number) => WebhookAnswer = () => ({});
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET, () => answer(receiver.received.length));
  });
  afterAll(() => receiver.close());
  const target = (url = receiver.url) => createTarget({ type: 'webhook', url, secret: SECRET }, { lambda: () => Promise.reject() as never });

  it('signs each POST so that standardwebhooks verifies it, and a 2xx acknowledges', async () => {
    answer = () => ({ status: 204 });
    await expect(target().deliver(delivery())).resolves.toBeUndefined();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.at(-1)).toEqual({ id: 'msg_billing-orders-0-0-9', body: event });
  });

  it('is refused by a receiver holding another secret', async () => {
    const other = await startWebhookReceiver('whsec_' + Buffer.alloc(32, 1).toString('base64'));
    try {
      await expect(createTarget({ type: 'webhook', url: other.url, secret: SECRET }, { lambda: () => Promise.reject() as never }).deliver(delivery())).rejects.toBeInstanceOf(TargetRejectedError);
      expect(other.rejected).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('resolves with a JSON batchItemFailures body', async () => {
    const body = { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 2 } }] };
    answer = () => ({ status: 200, body });
    await expect(target().deliver(delivery())).resolves.toEqual(body);
  });

  it.each([500, 503, 408, 429])('takes %i as a failure worth retrying', async (status) => {
    answer = () => ({ status });
    const e = await failure(target().deliver(delivery()));
    expect(e).toBeInstanceOf(TargetUnavailableError);
    expect(e.message).toContain(`HTTP ${status}`);
    expect((e as TargetUnavailableError).retryAfterMs).toBeUndefined();
  });

  it.each([429, 503])('passes on the wait a %i asks for in Retry-After', async (status) => {
    answer = () => ({ status, headers: { 'retry-after': '120' } });
    const e = await failure(target().deliver(delivery()));
    expect((e as TargetUnavailableError).retryAfterMs).toBe(120_000);
  });

  it.each([400, 404, 410, 302])('takes %i as a rejection that retrying will not fix', async (status) => {
    answer = () => ({ status, body: { error: 'nope' } });
    await expect(target().deliver(delivery())).rejects.toBeInstanceOf(TargetRejectedError);
  });

  it('times out on a receiver that does not answer in time', async () => {
    answer = () => ({ status: 200, delayMs: 1_000 });
    await expect(target().deliver(delivery(100))).rejects.toBeInstanceOf(TargetTimeoutError);
  });

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await failure(target(`http://127.0.0.1:${port}/hook`).deliver(delivery()));
    expect(e).toBeInstanceOf(TargetUnreachableError);
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('fails the batch on an answer too long to read whole', async () => {
    answer = () => ({ status: 200, body: 'x'.repeat(2 * 1024 * 1024) });
    await expect(target().deliver(delivery())).resolves.toHaveProperty('batchItemFailures');
  });
});
