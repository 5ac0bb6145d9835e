import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleDir } from '../../cdk/functions.js';
import { HEAD_WAKEUP_FILTER, streamWakeups } from '../../lib/subscriptions/stream-wakeups.js';
import { hostBundle, type BundleHost } from '../support/bundle-host.js';
import { logTableStream, mappingEvents } from '../support/dynamodb-stream.js';
import type { FilterPattern } from '../support/event-filter.js';
import { lambdaEnvironment } from '../support/lambda-bundles.js';
import { startLambdaInvokeServer, type LambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { createTestStack } from '../support/stack.js';

const FILTER = HEAD_WAKEUP_FILTER as unknown as FilterPattern;

interface KafkaEvent {
  records: Record<string, Array<{ partition: number; offset: number; value: string }>>;
}

// dynalite has no streams: the AWS path runs on DynamoDB Local only, the emulator that has them.
describe('the AWS path on dynamodb-local: real stream records, filtered as the mapping does, drive the dispatcher bundle', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('passes no record of a topic without subscriptions, although its heads are in the stream', async () => {
    const stack = await createTestStack('dynamodb-local');
    const stream = await logTableStream(stack);
    await stack.runnel.admin.create({ name: 'quiet', partitions: 2 });
    for (let i = 0; i < 5; i++) await stack.runnel.produce.produce('quiet', { records: [{ key: `k${i}`, value: i }] });

    const records = await stream.records();
    const heads = records.filter((r) => r.dynamodb?.Keys?.b?.N === '-1');
    expect(heads.length).toBeGreaterThanOrEqual(5);
    expect(mappingEvents(records, FILTER)).toEqual([]);
    expect(streamWakeups({ Records: records })).toEqual([]);
  });

  it('delivers every record of a subscribed topic in order per partition, and wakes nothing for an unsubscribed one', async () => {
    const delivered: Array<{ partition: number; offset: number; value: unknown }> = [];
    const server: LambdaInvokeServer = await startLambdaInvokeServer({
      billing: (event) => {
        for (const batch of Object.values((event as KafkaEvent).records)) {
          for (const r of batch) delivered.push({ partition: r.partition, offset: r.offset, value: JSON.parse(Buffer.from(r.value, 'base64').toString('utf8')) });
        }
        return {};
      },
    });
    cleanup.push(() => server.close());
    const stack = await createTestStack('dynamodb-local');
    const stream = await logTableStream(stack);
    const { admin, produce, subscriptions } = stack.runnel;
    await admin.create({ name: 'orders', partitions: 2 });
    await admin.create({ name: 'quiet', partitions: 2 });
    await subscriptions.admin.create({
      name: 'billing',
      topic: 'orders',
      target: { type: 'lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:billing' },
      batchSize: 3,
    });
    // Interleaved commits on both topics and both partitions, in several batches.
    for (let i = 0; i < 12; i++) {
      await produce.produce('orders', { records: [{ key: `customer-${i % 3}`, value: { i } }, { key: `customer-${(i + 1) % 3}`, value: { i, second: true } }] });
      await produce.produce('quiet', { records: [{ key: `k${i}`, value: i }] });
    }

    const records = await stream.records();
    const events = mappingEvents(records, FILTER, 100);
    expect(events.length).toBeGreaterThan(0);
    const orders = await stack.runnel.topics.get('orders');
    const quiet = await stack.runnel.topics.get('quiet');
    const woken = events.flatMap((e) => streamWakeups(e));
    // Only the subscribed topic's heads pass the filter; the unsubscribed one's commits never reach the function.
    expect(new Set(woken.map((w) => w.topicId))).toEqual(new Set([orders.topicId]));
    expect(records.some((r) => r.dynamodb?.Keys?.p?.S?.startsWith(`${quiet.topicId}#`))).toBe(true);

    const dispatcher: BundleHost = await hostBundle(join(bundleDir('dispatcher'), 'index.mjs'), 'dispatcher', {
      ...lambdaEnvironment(stack.config),
      RUNNEL_LAMBDA_ENDPOINT: server.endpoint,
    });
    cleanup.push(() => dispatcher.close());
    for (const event of events) expect((await dispatcher.invoke(event satisfies DynamoDBStreamEvent)).result).toBeFalsy();

    const expected = await Promise.all([0, 1].map(async (p) => (await stack.request('GET', `/v1/topics/orders/partitions/${p}/records?offset=0`)).body as { records: Array<{ offset: number; value: unknown }> }));
    for (const partition of [0, 1]) {
      const got = delivered.filter((d) => d.partition === partition);
      expect(got.map((d) => d.offset)).toEqual(expected[partition]!.records.map((r) => r.offset));
      expect(got.map((d) => d.value)).toEqual(expected[partition]!.records.map((r) => r.value));
    }
    expect(delivered).toHaveLength(24);
    expect(server.invocations.get('billing')).toBeGreaterThanOrEqual(Math.ceil(24 / 3));
  });
});
