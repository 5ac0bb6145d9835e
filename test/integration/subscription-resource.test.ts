import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTION_REQUEST_PROPERTY, type CreateSubscriptionRequest } from '../../lib/contract/subscriptions.js';
import { subscriptionResourceHandler } from '../../lib/subscriptions/subscription-resource.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

/** Where CloudFormation waits for the answer: a pre-signed S3 URL, here a local server keeping each PUT. */
const answers: Array<CloudFormationCustomResourceResponse & { contentType: string | undefined }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    answers.push({ ...JSON.parse(Buffer.concat(chunks).toString('utf8')), contentType: req.headers['content-type'] });
    res.end();
  });
});
let responseUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:take-payment';
const props = (req: Partial<CreateSubscriptionRequest> & { name: string }) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:runnel-subscription-resource',
  [SUBSCRIPTION_REQUEST_PROPERTY]: JSON.stringify({ topic: 'orders', target: { type: 'lambda', functionArn: ARN }, ...req }),
});
const common = { ServiceToken: 'token', ResponseURL: '', StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/1', LogicalResourceId: 'Sub', ResourceType: 'Custom::RunnelSubscription' };
let requestId = 0;
const create = (p: ReturnType<typeof props>): CloudFormationCustomResourceEvent => ({ ...common, ResponseURL: responseUrl, RequestType: 'Create', RequestId: `r${++requestId}`, ResourceProperties: p });
const update = (id: string, p: ReturnType<typeof props>, old: ReturnType<typeof props>): CloudFormationCustomResourceEvent => ({
  ...common,
  ResponseURL: responseUrl,
  RequestType: 'Update',
  RequestId: `r${++requestId}`,
  PhysicalResourceId: id,
  ResourceProperties: p,
  OldResourceProperties: old,
});
const remove = (id: string, p: ReturnType<typeof props>): CloudFormationCustomResourceEvent => ({ ...common, ResponseURL: responseUrl, RequestType: 'Delete', RequestId: `r${++requestId}`, PhysicalResourceId: id, ResourceProperties: p });

describe.each(BACKENDS)('the Custom::RunnelSubscription resource on %s', (backend) => {
  it('creates, changes and deletes the subscription with the stack, answering CloudFormation each time', async () => {
    const stack = await createTestStack(backend);
    await stack.runnel.admin.create({ name: 'orders', partitions: 2 });
    const handle = subscriptionResourceHandler(stack.runnel.subscriptions.admin);
    const { admin } = stack.runnel.subscriptions;
    answers.length = 0;

    const first = props({ name: 'payments', batchSize: 50 });
    await handle(create(first));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'payments', RequestId: `r${requestId}`, LogicalResourceId: 'Sub', contentType: '' });
    expect(await admin.describe('payments')).toMatchObject({ topic: 'orders', batchSize: 50, target: { type: 'lambda', functionArn: ARN } });

    // CloudFormation repeats a create whose answer it lost: the second one finds its subscription.
    await handle(create(first));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'payments' });

    const second = props({ name: 'payments', batchSize: 10, maxAttempts: 2 });
    await handle(update('payments', second, first));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'payments' });
    expect(await admin.describe('payments')).toMatchObject({ batchSize: 10, maxAttempts: 2 });

    // A new name is a new subscription; CloudFormation then deletes the old physical id.
    const renamed = props({ name: 'billing', batchSize: 10 });
    await handle(update('payments', renamed, second));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'billing' });
    await handle(remove('payments', second));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'payments' });
    expect((await admin.list()).subscriptions.map((s) => s.name)).toEqual(['billing']);

    await handle(remove('billing', renamed));
    await handle(remove('billing', renamed));
    expect(answers.slice(-2).map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect((await admin.list()).subscriptions).toEqual([]);
  });

  it('fails the deployment with the reason when the request is refused, and its delete then succeeds', async () => {
    const stack = await createTestStack(backend);
    const handle = subscriptionResourceHandler(stack.runnel.subscriptions.admin);
    answers.length = 0;
    await handle(create(props({ name: 'bad', batchSize: 0 })));
    expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/batchSize/) });
    const failedId = answers.at(-1)!.PhysicalResourceId;
    await handle(create(props({ name: 'orphan', topic: 'missing' })));
    expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/missing/) });
    await handle(remove(failedId, props({ name: 'bad', batchSize: 0 })));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: failedId });
  });
});
