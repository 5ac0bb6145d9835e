import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/contract/limits.js';
import { createApp } from '../../lib/http/app.js';
import { highWatermark } from '../support/records.js';
import { apiGatewayEvent } from '../support/lambda-bundles.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

// On Lambda a JSON body is read from the event's text, not back through the web Request
// (lib/http/json-body.ts): these hold that path to the same answers as the Request's.
describe.each(BACKENDS)('a produce body arriving in an API Gateway event (%s)', (backend) => {
  let stack: TestStack;
  let lambda: ReturnType<typeof handle>;
  beforeAll(async () => {
    stack = await createTestStack(backend);
    lambda = handle(createApp(stack.runnel));
    expect((await stack.request('POST', '/v1/topics', { name: 'events', partitions: 1 })).status).toBe(201);
  });

  async function produce(body: string, options: { base64?: boolean; contentType?: string } = {}) {
    const event = apiGatewayEvent({
      method: 'POST',
      url: new URL('https://api.runnel.test/v1/topics/events/records'),
      headers: { 'content-type': options.contentType ?? 'application/json' },
      body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
      routeKey: 'POST /v1/topics/{topic}/records',
      pathParameters: { topic: 'events' },
    });
    const result = (await lambda({ ...event, isBase64Encoded: options.base64 ?? false } as never, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
  }

  const records = { records: [{ key: 'clé', value: { text: 'naïve ☕ 𝄞', n: 1 }, headers: { 'trace-é': 'ü' } }, { value: 'AAEC/w==', valueEncoding: 'base64' }] };

  it('stores the records of a text body as the Request path would, non-ASCII text included', async () => {
    const produced = await produce(JSON.stringify(records));
    expect(produced.status).toBe(200);
    const fetched = await stack.request('GET', `/v1/topics/events/partitions/0/records?offset=${produced.body.offsets[0].offset}&limit=2`);
    expect(fetched.body.records.map((r: any) => [r.key, r.value, r.headers])).toEqual([
      ['clé', { text: 'naïve ☕ 𝄞', n: 1 }, { 'trace-é': 'ü' }],
      [null, 'AAEC/w==', {}],
    ]);
  });

  it('reads a base64-encoded (binary) event body through the Request, with the same result', async () => {
    const produced = await produce(JSON.stringify(records), { base64: true });
    expect(produced.status).toBe(200);
    const fetched = await stack.request('GET', `/v1/topics/events/partitions/0/records?offset=${produced.body.offsets[0].offset}&limit=1`);
    expect(fetched.body.records[0].value).toEqual({ text: 'naïve ☕ 𝄞', n: 1 });
  });

  it('refuses malformed JSON, an empty body, the wrong type and an oversized body, and writes nothing', async () => {
    const before = await highWatermark(stack, 'events', 0);
    expect(await produce('{"records": [')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await produce('  ')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await produce(JSON.stringify(records), { contentType: 'text/plain' })).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    const oversized = JSON.stringify({ records: [{ value: 'x'.repeat(MAX_BODY_BYTES) }] });
    expect(await produce(oversized)).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
    expect(await highWatermark(stack, 'events', 0)).toBe(before);
  });
});
