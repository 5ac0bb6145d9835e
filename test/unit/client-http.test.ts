import { describe, expect, it } from 'vitest';
import { HttpClient, type HttpClientOptions } from '../../lib/client/http.js';
import { RunnelHttpError } from '../../lib/client/errors.js';
import { regionFromHost } from '../../lib/client/sigv4.js';

type Answer = { status: number; body: string } | 'hang';

/** Records each request and answers from a script: what an HTTP server would say, without one. */
function scripted(answers: Answer[]) {
  const seen: Array<{ url: string; method: string; headers: Record<string, string>; body: string | undefined }> = [];
  const fetch = (async (url: URL, init: RequestInit & { signal: AbortSignal }) => {
    seen.push({ url: String(url), method: init.method!, headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    if (answer === 'hang') {
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    }
    return new Response(answer.body, { status: answer.status });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const client = (fetch: typeof globalThis.fetch, more: Partial<HttpClientOptions> = {}) =>
  new HttpClient({ url: 'http://runnel.test/base', fetch, retry: { retries: 2, initialRetryTime: 1 }, ...more });

describe('http client', () => {
  it('decodes Runnel error bodies into typed errors naming the field', async () => {
    const { fetch } = scripted([{ status: 400, body: '{"error":{"code":"invalid_request","message":"records[0].value: is required","field":"records[0].value"}}' }]);
    const err = await client(fetch).request('POST', '/v1/topics/t/records', { body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(RunnelHttpError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', field: 'records[0].value', retriable: false, message: 'records[0].value: is required' });
    expect((err as RunnelHttpError).details).toBeUndefined();
  });

  it("keeps an error body's other fields as details (a 409's rejected and done partitions)", async () => {
    const rejected = [{ topic: 't', partition: 1, reason: 'stale_epoch' }];
    const done = [{ topic: 't', partition: 0, offset: 3 }];
    const { fetch } = scripted([{ status: 409, body: JSON.stringify({ error: { code: 'stale_epoch', message: 'no longer held', rejected, done } }) }]);
    const err = (await client(fetch).request('POST', '/v1/groups/g/commits', { body: {} }).catch((e: unknown) => e)) as RunnelHttpError;
    expect(err).toMatchObject({ status: 409, code: 'stale_epoch', message: 'no longer held', details: { rejected, done } });
    expect(err.field).toBeUndefined();
  });

  it('explains answers without a Runnel error body (API Gateway, proxies)', async () => {
    const gateway = scripted([{ status: 403, body: '{"message":"Missing Authentication Token"}' }]);
    await expect(client(gateway.fetch).request('GET', '/v1/topics')).rejects.toMatchObject({
      code: 'http_403',
      message: 'GET /base/v1/topics: HTTP 403: Missing Authentication Token',
    });
    const html = scripted([{ status: 404, body: '<html>nope</html>' }]);
    await expect(client(html.fetch).request('GET', '/x')).rejects.toMatchObject({ code: 'http_404', message: expect.stringContaining('<html>nope</html>') });
  });

  it('retries idempotent requests on 5xx, and a POST only when told it is idempotent', async () => {
    const unavailable = { status: 503, body: '{"error":{"code":"storage_unavailable","message":"busy"}}' };
    const ok = { status: 200, body: '{"topics":[]}' };
    const get = scripted([unavailable, unavailable, ok]);
    expect(await client(get.fetch).request('GET', '/v1/topics')).toEqual({ topics: [] });
    expect(get.seen).toHaveLength(3);

    const post = scripted([unavailable, ok]);
    await expect(client(post.fetch).request('POST', '/v1/topics', { body: { name: 'a' } })).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(post.seen).toHaveLength(1);

    const idempotentPost = scripted([unavailable, ok]);
    await client(idempotentPost.fetch).request('POST', '/v1/topics/t/records', { json: '{"records":[]}', idempotent: true });
    expect(idempotentPost.seen.map((s) => s.body)).toEqual(['{"records":[]}', '{"records":[]}']);
  });

  it('gives up on a request that does not answer in time, with a retriable timeout error', async () => {
    const { fetch, seen } = scripted(['hang']);
    const err = await client(fetch, { requestTimeout: 20 }).request('GET', '/v1/topics').catch((e) => e);
    expect(err).toMatchObject({ status: 0, code: 'timeout', retriable: true });
    expect(seen).toHaveLength(3);
  });

  it('builds URLs under the base path with encoded query values', async () => {
    const { fetch, seen } = scripted([{ status: 200, body: '{"offset":1}' }]);
    await client(fetch).request('GET', '/v1/topics/a.b/partitions/0/offsets', { query: { timestamp: 5, spec: undefined } });
    expect(seen[0]!.url).toBe('http://runnel.test/base/v1/topics/a.b/partitions/0/offsets?timestamp=5');
  });

  it('signs with SigV4 for execute-api, reading the region from the hostname', async () => {
    const { fetch, seen } = scripted([{ status: 200, body: '{}' }]);
    const signed = new HttpClient({
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
      fetch,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    await signed.request('POST', '/v1/topics', { body: { name: 't' } });
    const headers = seen[0]!.headers;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers.host).toBeUndefined();
    expect(regionFromHost('api.example.com')).toBeUndefined();
  });

  it('fails at once, saying why, when it cannot sign', async () => {
    const { fetch, seen } = scripted([{ status: 200, body: '{}' }]);
    const region = process.env.AWS_REGION;
    const defaultRegion = process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const custom = new HttpClient({ url: 'https://runnel.example.com', fetch, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      await expect(custom.request('GET', '/v1/topics')).rejects.toThrow('cannot sign the request with SigV4: no region to sign for');
      expect(seen).toHaveLength(0);
    } finally {
      if (region !== undefined) process.env.AWS_REGION = region;
      if (defaultRegion !== undefined) process.env.AWS_DEFAULT_REGION = defaultRegion;
    }
  });
});
