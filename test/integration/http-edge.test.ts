import fc from 'fast-check';
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/http/app.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { rawRequest } from '../support/raw-http.js';
import { highWatermark } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/** Lambda refuses a synchronous response payload over 6 MiB (the function's result, JSON-encoded). */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

/** Nested arrays `depth` levels deep around a 0: `[[0]]` is 2. */
const nested = (depth: number): string => '['.repeat(depth) + '0' + ']'.repeat(depth);

/** What a Lambda behind API Gateway (payload v2) would return for this GET, measured as Lambda measures it. */
async function viaLambda(stack: TestStack, path: string): Promise<{ status: number; body: any; payloadBytes: number; bodyBytes: number }> {
  const [rawPath, rawQueryString = ''] = path.split('?');
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'api.example.com' },
    requestContext: { domainName: 'api.example.com', http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
    isBase64Encoded: false,
  } as unknown as Parameters<ReturnType<typeof handle>>[0];
  const result = (await handle(createApp(stack.runnel))(event, {} as Context)) as APIGatewayProxyResult;
  return {
    status: result.statusCode,
    body: JSON.parse(result.body),
    payloadBytes: Buffer.byteLength(JSON.stringify(result)),
    bodyBytes: Buffer.byteLength(result.body),
  };
}

describe.each(BACKENDS)('the HTTP edge (%s)', (backend) => {
  let stack: TestStack;
  let served: ServedRunnel;
  beforeAll(async () => {
    stack = await createTestStack(backend);
    served = await serveRunnel(stack.runnel);
    expect((await stack.request('POST', '/v1/topics', { name: 'edge', partitions: 1, config: { 'max.message.bytes': 4 * 1024 * 1024 } })).status).toBe(201);
  });
  afterAll(() => served.close());

  async function expectRefused(res: { status: number; body: any }, status: number, field: string) {
    expect(res.status, JSON.stringify(res.body)?.slice(0, 300)).toBe(status);
    expect(res.body.error.code).toBeTypeOf('string');
    expect(res.body.error.message).toBeTypeOf('string');
    expect(res.body.error.field).toBe(field);
  }

  describe('bug 0: nesting depth', () => {
    it('refuses a record value nested past 100 levels with 400 naming the field, and writes nothing', async () => {
      const before = await highWatermark(stack, 'edge', 0);
      for (const depth of [101, 4113, 200_000]) {
        const res = await stack.request('POST', '/v1/topics/edge/records', `{"records":[{"value":1},{"value":${nested(depth)}}]}`);
        await expectRefused(res, 400, 'records[1].value');
      }
      expect(await highWatermark(stack, 'edge', 0)).toBe(before);
      const ok = await stack.request('POST', '/v1/topics/edge/records', `{"records":[{"value":${nested(100)}}]}`);
      expect(ok.status).toBe(200);
      const read = await stack.another().request('GET', `/v1/topics/edge/partitions/0/records?offset=${ok.body.offsets[0].offset}`);
      expect(JSON.stringify(read.body.records[0].value)).toBe(nested(100));
    });

    it('whatever produce accepts, a fresh reader fetches exactly', async () => {
      const text = fc.string({ unit: fc.oneof(fc.constantFrom('\ufeff', '\ud800', '\udc00', '\u0000', '"', '\\', '__proto__', 'é', '😀'), fc.string({ unit: 'binary', maxLength: 3 })), maxLength: 6 });
      const deep = fc.integer({ min: 0, max: 140 }).chain((depth) => fc.jsonValue({ maxDepth: 2 }).map((leaf) => JSON.parse('['.repeat(depth) + JSON.stringify(leaf) + ']'.repeat(depth))));
      const record = fc.record(
        {
          key: fc.option(text),
          value: fc.oneof(fc.jsonValue(), deep, fc.dictionary(text, fc.jsonValue({ maxDepth: 1 }))),
          headers: fc.dictionary(fc.oneof(text, fc.constant('__proto__')), text, { maxKeys: 3 }),
        },
        { requiredKeys: ['value'] },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 3 }), async (records) => {
          const before = await highWatermark(stack, 'edge', 0);
          const res = await stack.request('POST', '/v1/topics/edge/records', JSON.stringify({ records }));
          if (res.status !== 200) {
            expect(res.status, JSON.stringify(res.body)).toBe(400);
            expect(res.body.error.field).toMatch(/^records\[\d\]\.(key|value|headers)/);
            expect(await highWatermark(stack, 'edge', 0)).toBe(before);
            return;
          }
          const base = res.body.offsets[0].offset;
          const read = await stack.another().request('GET', `/v1/topics/edge/partitions/0/records?offset=${base}&limit=${records.length}`);
          expect(read.status).toBe(200);
          // Compare the JSON texts: they keep what toEqual would not see, such as an own "__proto__" key.
          expect(JSON.stringify(read.body.records.map((r: any) => [r.key, r.value, r.headers]))).toBe(
            JSON.stringify(records.map((r) => [r.key ?? null, r.value, r.headers ?? {}])),
          );
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('bug 11: classes of 5xx and silent changes found by fuzzing', () => {
    it('refuses topic names over 249 characters in paths with 400 naming the topic', async () => {
      const name = 'x'.repeat(3000);
      for (const [method, path] of [
        ['GET', `/v1/topics/${name}`],
        ['DELETE', `/v1/topics/${name}`],
        ['GET', `/v1/topics/${name}/partitions/0/records?offset=0`],
        ['GET', `/v1/topics/${name}/partitions/0/offsets?spec=earliest`],
      ] as const) {
        await expectRefused(await stack.request(method, path), 400, 'topic');
      }
      await expectRefused(await stack.request('POST', `/v1/topics/${name}/records`, { records: [{ value: 1 }] }), 400, 'topic');
      await expectRefused(await stack.request('GET', `/v1/topics/a%2Fb`), 400, 'topic');
    });

    it('round-trips a leading U+FEFF in keys and headers, and a header named __proto__', async () => {
      const body = `{"records":[{"key":"\\ufeffk","value":"\\ufeffv","headers":{"__proto__":"p","\\ufeffh":"\\ufeffw"}}]}`;
      const res = await stack.request('POST', '/v1/topics/edge/records', body);
      expect(res.status).toBe(200);
      const fresh = await fetch(`${served.url}/v1/topics/edge/partitions/0/records?offset=${res.body.offsets[0].offset}`);
      const read = await stackAnotherFetch(stack, `/v1/topics/edge/partitions/0/records?offset=${res.body.offsets[0].offset}`);
      for (const text of [await fresh.text(), read]) {
        const record = JSON.parse(text).records[0];
        expect(record.key).toBe('\ufeffk');
        expect(record.value).toBe('\ufeffv');
        expect(Object.entries(record.headers)).toEqual([
          ['__proto__', 'p'],
          ['\ufeffh', '\ufeffw'],
        ]);
      }
    });

    it('refuses lone surrogates in keys and headers with 400 naming the field', async () => {
      const before = await highWatermark(stack, 'edge', 0);
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', '{"records":[{"key":"a\\ud800","value":1}]}'), 400, 'records[0].key');
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', '{"records":[{"value":1,"headers":{"h":"\\udc00"}}]}'), 400, 'records[0].headers.h');
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', '{"records":[{"value":1,"headers":{"\\ud800":"v"}}]}'), 400, 'records[0].headers');
      expect(await highWatermark(stack, 'edge', 0)).toBe(before);
    });

    it('refuses base64 that a fetch would spell differently ("AB==" decodes as "AA=="), naming the field', async () => {
      const before = await highWatermark(stack, 'edge', 0);
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', { records: [{ key: 'AB==', keyEncoding: 'base64', value: 1 }] }), 400, 'records[0].key');
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', { records: [{ value: 'AAB=', valueEncoding: 'base64' }] }), 400, 'records[0].value');
      expect(await highWatermark(stack, 'edge', 0)).toBe(before);
      const ok = await stack.request('POST', '/v1/topics/edge/records', { records: [{ key: 'AA==', keyEncoding: 'base64', value: 'AAA=', valueEncoding: 'base64' }] });
      const read = await stackAnotherFetch(stack, `/v1/topics/edge/partitions/0/records?offset=${ok.body.offsets[0].offset}`);
      expect(JSON.parse(read).records[0]).toMatchObject({ key: 'AA==', value: 'AAA=' });
    });

    it('refuses header names and header counts the segment format cannot hold', async () => {
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', { records: [{ value: 1, headers: { ['n'.repeat(70_000)]: 'v' } }] }), 400, 'records[0].headers');
      const many = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [String(i), '']));
      await expectRefused(await stack.request('POST', '/v1/topics/edge/records', { records: [{ value: 1, headers: many }] }), 400, 'records[0].headers');
    });

    it('refuses a body that is not UTF-8 JSON: another charset with 415, invalid UTF-8 with 400', async () => {
      const before = await highWatermark(stack, 'edge', 0);
      for (const charset of ['utf-16', 'utf-16le', 'latin1', 'bogus']) {
        const body = Buffer.from(JSON.stringify({ records: [{ value: 1 }] }), charset.startsWith('utf-16') ? 'utf16le' : 'utf8');
        const res = await fetch(`${served.url}/v1/topics/edge/records`, { method: 'POST', headers: { 'content-type': `application/json; charset=${charset}` }, body });
        await expectRefused({ status: res.status, body: await res.json() }, 415, 'content-type');
      }
      const ok = await fetch(`${served.url}/v1/topics/edge/records`, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8' }, body: '{"records":[{"value":1}]}' });
      expect(ok.status).toBe(200);
      const invalid = Buffer.concat([Buffer.from('{"records":[{"key":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","value":1}]}')]);
      const res = await fetch(`${served.url}/v1/topics/edge/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: invalid });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.code).toBe('invalid_json');
      expect(await highWatermark(stack, 'edge', 0)).toBe(before + 1);
    });

    it('answers requests the HTTP adapter refuses (backslash, bad Host) with the JSON error shape', async () => {
      for (const request of [
        'GET /v1/topics/a\\b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        'GET /v1/topics HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n',
        'GET /v1/topics HTTP/1.1\r\nConnection: close\r\n\r\n',
        'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]) {
        const answer = await rawRequest(served.url, request);
        if (answer === 'closed') throw new Error(`no answer to ${request}`);
        expect(answer.status, request).toBe(400);
        expect(answer.head).toMatch(/content-type: application\/json/i);
        expect(JSON.parse(answer.body).error).toMatchObject({ code: 'bad_request' });
      }
    });
  });

  describe('the wake route and heartbeat name the offending parameter', () => {
    it('an unknown query parameter or body key is named, not reported as (body)', async () => {
      await expectRefused(await stack.request('GET', '/v1/topics/edge/wake?partitons=0'), 400, 'partitons');
      await expectRefused(await stack.request('POST', '/v1/groups/g/members/m/heartbeat', { sessionTimeoutMs: 10_000, sesionTimeoutMs: 1 }), 400, 'sesionTimeoutMs');
    });

    it('a query parameter given twice is refused, naming it, rather than read as one of its values', async () => {
      await expectRefused(await stack.request('GET', '/v1/topics/edge/wake?partitions=0&partitions=1'), 400, 'partitions');
      expect((await stack.request('GET', '/v1/topics/edge/wake?partitions=0')).status).toBe(200);
    });
  });

  describe('wake-socket upgrades with bad input', () => {
    const upgrade = (host: string, headers: Record<string, string>) =>
      `GET /v1/topics/edge/wake HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${Object.entries({ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n`;
    async function expectJsonRefusal(request: string, field: string) {
      const answer = await rawRequest(served.url, request);
      if (answer === 'closed') throw new Error(`no answer to ${request}`);
      expect(answer.status, request).toBe(400);
      expect(answer.head).toMatch(/content-type: application\/json/i);
      await expectRefused({ status: answer.status, body: JSON.parse(answer.body) }, 400, field);
    }

    it('answers a Host that makes no URL with a JSON 400 instead of dropping the socket', async () => {
      await expectJsonRefusal(upgrade('a@b:c', {}), 'host');
    });

    it('answers a bad handshake (version, key, subprotocol) with the JSON error shape, before the app admits it', async () => {
      await expectJsonRefusal(upgrade('127.0.0.1', { 'Sec-WebSocket-Version': '12' }), 'sec-websocket-version');
      await expectJsonRefusal(upgrade('127.0.0.1', { 'Sec-WebSocket-Key': 'short' }), 'sec-websocket-key');
      await expectJsonRefusal(upgrade('127.0.0.1', { 'Sec-WebSocket-Protocol': 'a,,b' }), 'sec-websocket-protocol');
      const topicId = (await stack.request('GET', '/v1/topics/edge')).body.topicId;
      expect(stack.runnel.wake.watching(topicId)).toBe(0);
    });
  });

  describe('bug 7: the encoded size of a fetch answer', () => {
    it('keeps 10,000 binary values of 420 B within maxBytes and Lambda’s 6 MB, and pages on', async () => {
      const t = 'bin';
      await stack.request('POST', '/v1/topics', { name: t, partitions: 1 });
      const value = Buffer.alloc(420, 0xab).toString('base64');
      for (let i = 0; i < 4; i++) {
        const records = Array.from({ length: 2500 }, () => ({ value, valueEncoding: 'base64', partition: 0 }));
        expect((await stack.request('POST', `/v1/topics/${t}/records`, { records })).status).toBe(200);
      }
      let offset = 0;
      while (offset < 10_000) {
        const res = await viaLambda(stack, `/v1/topics/${t}/partitions/0/records?offset=${offset}&limit=10000&maxBytes=4194304`);
        expect(res.status).toBe(200);
        expect(res.payloadBytes).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
        expect(res.bodyBytes).toBeLessThanOrEqual(4 * 1024 * 1024 + 200);
        expect(res.body.records[0].offset).toBe(offset);
        expect(res.body.nextOffset).toBe(offset + res.body.records.length);
        offset = res.body.nextOffset;
      }
    });

    it('counts headers: records of 1 MB headers and null values stay within maxBytes, and maxBytes=1 returns one', async () => {
      const t = 'hdr';
      await stack.request('POST', '/v1/topics', { name: t, partitions: 1, config: { 'max.message.bytes': 2 * 1024 * 1024 } });
      for (let i = 0; i < 8; i++) {
        expect((await stack.request('POST', `/v1/topics/${t}/records`, { records: [{ value: null, headers: { h: 'x'.repeat(1_000_000) } }] })).status).toBe(200);
      }
      const all = await viaLambda(stack, `/v1/topics/${t}/partitions/0/records?offset=0&maxBytes=4194304`);
      expect(all.body.records.length).toBe(4);
      expect(all.bodyBytes).toBeLessThanOrEqual(4 * 1024 * 1024 + 200);
      const one = await viaLambda(stack, `/v1/topics/${t}/partitions/0/records?offset=0&maxBytes=1`);
      expect(one.body.records.length).toBe(1);
      expect(one.body.nextOffset).toBe(1);
    });

    it('keeps escape-heavy records within Lambda’s limit even when their JSON fits maxBytes', async () => {
      const t = 'esc';
      await stack.request('POST', '/v1/topics', { name: t, partitions: 1, config: { 'max.message.bytes': 4 * 1024 * 1024 } });
      // Each '"' is 2 bytes of JSON and 4 once Lambda wraps the body in its own JSON.
      for (let i = 0; i < 3; i++) {
        expect((await stack.request('POST', `/v1/topics/${t}/records`, { records: [{ value: '"'.repeat(900_000) }] })).status).toBe(200);
      }
      const res = await viaLambda(stack, `/v1/topics/${t}/partitions/0/records?offset=0&maxBytes=4194304`);
      expect(res.payloadBytes).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
      expect(res.body.records.length).toBe(1);
      expect(res.body.nextOffset).toBe(1);
    });

    it('refuses a record whose fetch answer alone could not fit in a Lambda response', async () => {
      const before = await highWatermark(stack, 'edge', 0);
      const res = await stack.request('POST', '/v1/topics/edge/records', { records: [{ value: 1 }, { value: '"'.repeat(2_000_000) }] });
      await expectRefused(res, 413, 'records[1]');
      expect(await highWatermark(stack, 'edge', 0)).toBe(before);
    });
  });
});

/** A fetch through a second Runnel on the same storage, with nothing cached: what another Lambda would read. */
async function stackAnotherFetch(stack: TestStack, path: string): Promise<string> {
  const res = await createApp(stack.another().runnel).request(path);
  return res.text();
}
