import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { encode as cborEncode } from 'cbor2';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/contract/limits.js';
import { createApp } from '../../lib/http/app.js';
import { apiGatewayHandler } from '../../lib/http/lambda.js';
import { apiGatewayEvent } from '../support/lambda-bundles.js';
import { cborTwin, produceRequest } from '../support/produce-requests.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const PARTITIONS = 4;

describe.each(BACKENDS)('a produce body in CBOR (%s)', (backend) => {
  let stack: TestStack;
  let app: Hono;
  beforeAll(async () => {
    stack = await createTestStack(backend);
    app = createApp(stack.runnel);
    expect((await stack.request('POST', '/v1/topics', { name: 'twins', partitions: PARTITIONS })).status).toBe(201);
  });

  async function post(path: string, body: string | Uint8Array, contentType = typeof body === 'string' ? 'application/json' : 'application/cbor') {
    const res = await app.request(path, { method: 'POST', body, headers: { 'content-type': contentType } });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }

  const highWatermarks = async () => (await stack.request('GET', '/v1/topics/twins')).body.partitionStates.map((p: { highWatermark: number }) => p.highWatermark);

  it('stores the records of a CBOR body as those of its JSON twin, bytes as bytes', async () => {
    const request = {
      records: [
        { key: 'clé', value: { text: 'naïve ☕ 𝄞', n: 1.5 }, headers: { 'trace-é': 'ü' }, partition: 1, timestamp: 1_700_000_000_000 },
        { key: 'AAEC', keyEncoding: 'base64', value: 'AAEC/w==', valueEncoding: 'base64', partition: 1 },
        { key: 'k', value: null, partition: 1 },
      ],
    };
    const fromJson = await post('/v1/topics/twins/records', JSON.stringify(request));
    const fromCbor = await post('/v1/topics/twins/records', cborTwin(request, false));
    expect([fromJson.status, fromCbor.status]).toEqual([200, 200]);
    const read = async (offset: number) =>
      (await stack.request('GET', `/v1/topics/twins/partitions/1/records?offset=${offset}&limit=3`)).body.records.map(({ offset: _, timestamp, ...r }: any) => ({ ...r, timestamp: r.headers['trace-é'] ? timestamp : 0 }));
    expect(await read(fromCbor.body.offsets[0].offset)).toEqual(await read(fromJson.body.offsets[0].offset));
  });

  it('answers a generated request, valid or not, as it answers its JSON twin: the same status, code and field', async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(produceRequest(PARTITIONS), fc.boolean(), async (request, keepEncoding) => {
        // Each body its own producer, so that the second is not taken for a retry of the first.
        const named = (suffix: string) => {
          const producer = request.producer as { id: unknown } | undefined;
          return producer && typeof producer.id === 'string' && /^[A-Za-z0-9._-]{1,40}$/.test(producer.id)
            ? { ...request, producer: { ...producer, id: `${producer.id}-${++id}${suffix}` } }
            : request;
        };
        const before = await highWatermarks();
        const json = await post('/v1/topics/twins/records', JSON.stringify(named('j')));
        const cbor = await post('/v1/topics/twins/records', cborTwin(named('c'), keepEncoding));
        const outcome = (r: { status: number; body: any }) => (r.status === 200 ? { status: 200, records: r.body.offsets.length } : { status: r.status, code: r.body.error.code, field: r.body.error.field });
        expect(outcome(cbor), JSON.stringify(cbor.body)).toEqual(outcome(json));
        // Nothing of a refused request is written.
        if (json.status !== 200) expect(await highWatermarks()).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a truncated or corrupted body with a 4xx and writes nothing, or takes it whole', async () => {
    const valid = produceRequest(PARTITIONS).filter((r) => !('producer' in r) && Array.isArray(r.records) && r.records.every((x: any) => x && typeof x === 'object' && Object.keys(x).every((k) => ['key', 'keyEncoding', 'value', 'valueEncoding', 'headers', 'partition'].includes(k)) && (x.partition ?? 0) < PARTITIONS && 'value' in x));
    const damage = fc.oneof(
      fc.nat().map((cut) => (b: Uint8Array) => b.subarray(0, cut % b.length)),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }).map((edits) => (b: Uint8Array) => {
        const out = Buffer.from(b);
        for (const [at, byte] of edits) out[at % out.length] = byte;
        return out;
      }),
    );
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(valid, damage, fc.boolean(), async (request, hurt, keepEncoding) => {
        const before = await highWatermarks();
        const res = await post('/v1/topics/twins/records', hurt(cborTwin(request, keepEncoding)));
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        const after = await highWatermarks();
        if (res.status === 200) {
          taken++;
          expect(after.reduce((a: number, b: number) => a + b, 0) - before.reduce((a: number, b: number) => a + b, 0)).toBe(res.body.offsets.length);
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          expect(after).toEqual(before);
        }
      }),
      { numRuns: 80 },
    );
    // Most damage is refused; a changed byte inside a value can still leave a valid request.
    expect(taken).toBeLessThan(40);
  });

  it('refuses a body of another type with 415, and CBOR where a route takes only JSON', async () => {
    const body = cborEncode({ records: [{ value: 1 }] });
    for (const type of ['text/plain', 'application/octet-stream', 'application/cbor-seq']) {
      expect(await post('/v1/topics/twins/records', body, type)).toEqual({
        status: 415,
        body: { error: { code: 'unsupported_media_type', message: expect.stringContaining('application/cbor'), field: 'content-type' } },
      });
    }
    expect(await post('/v1/topics', cborEncode({ name: 'other' }))).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type', field: 'content-type' } } });
    expect(await post('/v1/topics/twins/records', new Uint8Array(0))).toMatchObject({ status: 400, body: { error: { code: 'invalid_cbor' } } });
  });

  it('refuses a hostile body (nesting, tags, lying lengths) with a 400 and the error body, and writes nothing', async () => {
    const before = await highWatermarks();
    const hostile = [
      'd9d9f7'.repeat(400_000) + 'f6', // self-describe tags, each a level of recursion
      '81'.repeat(100_000) + '01', // arrays nested far past the bound
      'bf'.repeat(100_000), // indefinite maps, never closed
      '9b00000000ffffffff', // a count far beyond the bytes
      '5b00000000ffffffff00', // a byte string far longer than the body
    ];
    for (const hex of hostile) {
      expect(await post('/v1/topics/twins/records', Buffer.from(hex, 'hex')), hex.slice(0, 12)).toMatchObject({ status: 400, body: { error: { code: 'invalid_cbor' } } });
    }
    expect(await highWatermarks()).toEqual(before);
  });

  describe('on Lambda, where API Gateway passes it base64', () => {
    let lambda: ReturnType<typeof apiGatewayHandler>;
    beforeAll(() => {
      lambda = apiGatewayHandler(app);
    });

    async function invoke(body: Uint8Array, contentType = 'application/cbor') {
      const event = apiGatewayEvent({
        method: 'POST',
        url: new URL('https://api.runnel.test/v1/topics/twins/records'),
        headers: { 'content-type': contentType },
        body,
        routeKey: 'POST /v1/topics/{topic}/records',
        pathParameters: { topic: 'twins' },
      });
      const result = (await lambda(event as never, {} as Context)) as APIGatewayProxyStructuredResultV2;
      return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
    }

    it('decodes the event body once and stores its records; a JSON body sent as binary too', async () => {
      const request = { records: [{ key: new Uint8Array([0, 1, 2]), value: new Uint8Array([255, 0]), partition: 2 }, { value: { a: [1] }, partition: 2 }] };
      const produced = await invoke(cborEncode(request));
      expect(produced.status).toBe(200);
      const fetched = await stack.request('GET', `/v1/topics/twins/partitions/2/records?offset=${produced.body.offsets[0].offset}&limit=2`);
      expect(fetched.body.records.map((r: any) => [r.key, r.keyEncoding, r.value, r.valueEncoding])).toEqual([
        ['AAEC', 'base64', '/wA=', 'base64'],
        [null, undefined, { a: [1] }, undefined],
      ]);
      const json = await invoke(Buffer.from(JSON.stringify({ records: [{ value: 'as JSON', partition: 2 }] })), 'application/json');
      expect(json.status).toBe(200);
    });

    it('refuses a corrupted, an empty and an oversized body, and writes nothing', async () => {
      const before = await highWatermarks();
      const body = Buffer.from(cborEncode({ records: [{ value: new Uint8Array(10) }] }));
      expect(await invoke(body.subarray(0, body.length - 1))).toMatchObject({ status: 400, body: { error: { code: 'invalid_cbor' } } });
      expect(await invoke(new Uint8Array(0))).toMatchObject({ status: 400, body: { error: { code: 'invalid_cbor' } } });
      expect(await invoke(cborEncode({ records: [{ value: new Uint8Array(MAX_BODY_BYTES) }] }))).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
      expect(await highWatermarks()).toEqual(before);
    });
  });
});
