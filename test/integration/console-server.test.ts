import { spawn } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_HEADERS, type ConsoleAssets } from '../../lib/cli/console-assets.js';
import { startConsoleServer, type ConsoleServer } from '../../lib/cli/console-server.js';
import { createSigner } from '../../lib/client/sigv4.js';
import { consolePageUrl } from '../support/console-process.js';

/** What the API behind the console server saw. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const ASSETS: ConsoleAssets = new Map([
  ['index.html', new TextEncoder().encode('<!doctype html><title>console</title>')],
  ['console.js', new TextEncoder().encode('console.log(1)')],
  ['console.css', new TextEncoder().encode('body{}')],
]);

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** One request with full control of its headers (fetch will not send a chosen Host or Origin). */
function send(url: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('runnel console: the local server', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const seen: Seen[] = [];
  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url!.includes('missing')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"unknown_topic","message":"topic \\"missing\\" does not exist"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  beforeEach(() => void (seen.length = 0));

  async function withServer(options: { apiUrl?: string; signed?: boolean }, body: (server: ConsoleServer, origin: string) => Promise<void>) {
    const sign = options.signed ? createSigner({ url: options.apiUrl ?? upstreamUrl, region: 'eu-west-1', credentials: CREDENTIALS }) : undefined;
    const server = await startConsoleServer({ apiUrl: options.apiUrl ?? upstreamUrl, assets: ASSETS, port: 0, ...(sign ? { sign } : {}) });
    try {
      await body(server, new URL(server.url).origin);
    } finally {
      await server.close();
    }
  }

  it('serves the page, its script and stylesheet at /console/ with a policy that allows only its own origin', async () => {
    await withServer({}, async (server, origin) => {
      expect(server.url).toBe(`${origin}/console/`);
      const page = await send(server.url);
      expect(page.status).toBe(200);
      expect(page.text).toBe('<!doctype html><title>console</title>');
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toBe(CONSOLE_HEADERS['content-security-policy']);
      expect((await send(`${origin}/console/console.js`)).headers['content-type']).toBe('text/javascript; charset=utf-8');
      for (const path of ['/', '/console']) {
        const redirect = await send(`${origin}${path}`);
        expect([redirect.status, redirect.headers.location]).toEqual([302, '/console/']);
      }
      const missing = await send(`${origin}/console/other.js`);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.text).error.code).toBe('not_found');
    });
  });

  it('passes /v1 calls on under the API URL, its path kept, and answers as the API did, errors included', async () => {
    await withServer({ apiUrl: `${upstreamUrl}/prod` }, async (_server, origin) => {
      const get = await send(`${origin}/v1/topics/orders/partitions/0/records?offset=5&limit=10`);
      expect([get.status, get.text]).toEqual([200, '{"ok":true}']);
      const post = await send(`${origin}/v1/topics/orders/records`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{"records":[{"value":1}]}' });
      expect(post.status).toBe(200);
      const missing = await send(`${origin}/v1/topics/missing`);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.text)).toEqual({ error: { code: 'unknown_topic', message: 'topic "missing" does not exist' } });
      expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
        ['GET', '/prod/v1/topics/orders/partitions/0/records?offset=5&limit=10', ''],
        ['POST', '/prod/v1/topics/orders/records', '{"records":[{"value":1}]}'],
        ['GET', '/prod/v1/topics/missing', ''],
      ]);
      // The browser's own headers stay here: the API sees no Origin and no cookie.
      expect(seen[1]!.headers.origin).toBeUndefined();
      expect(seen[1]!.headers['content-type']).toBe('application/json');
    });
  });

  it('refuses other hosts, other origins and bodies that are not JSON, and passes none of them on', async () => {
    await withServer({ signed: true }, async (_server, origin) => {
      const port = new URL(origin).port;
      const foreignHost = await send(`${origin}/v1/topics`, { headers: { host: `attacker.example:${port}` } });
      expect([foreignHost.status, JSON.parse(foreignHost.text).error.code]).toEqual([403, 'forbidden_host']);
      const foreignOrigin = await send(`${origin}/v1/topics`, { method: 'POST', headers: { origin: 'https://attacker.example', 'content-type': 'application/json' }, body: '{}' });
      expect([foreignOrigin.status, JSON.parse(foreignOrigin.text).error.code]).toEqual([403, 'forbidden_origin']);
      // Another page on this machine is another origin too.
      const otherPort = await send(`${origin}/v1/topics`, { headers: { origin: 'http://127.0.0.1:3000' } });
      expect(otherPort.status).toBe(403);
      const form = await send(`${origin}/v1/topics`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' });
      expect([form.status, JSON.parse(form.text).error.code]).toEqual([415, 'unsupported_media_type']);
      expect(seen).toEqual([]);
    });
  });

  it('signs what it passes on with SigV4, as API Gateway checks it, and the browser never sees a credential', async () => {
    await withServer({ signed: true }, async (_server, origin) => {
      const answer = await send(`${origin}/v1/topics/orders/records?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"records":[]}' });
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.headers) + answer.text).not.toContain(CREDENTIALS.accessKeyId);
      const [request] = seen;
      const authorization = String(request!.headers.authorization);
      expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
      // The oracle: the maintained signer, given the request as it arrived and the same time, signs it the same.
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
      const url = new URL(request!.url, upstreamUrl);
      const amzDate = String(request!.headers['x-amz-date']);
      const again = await new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: CREDENTIALS, sha256: Sha256 }).sign(
        {
          method: request!.method,
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: Object.fromEntries(signedHeaders.map((h) => [h, String(request!.headers[h])])),
          body: request!.body,
        },
        { signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`) },
      );
      expect(again.headers.authorization).toBe(authorization);
    });
  });

  it("in this repository, `npx runnel console` bundles the console as it starts, serves it, and stops cleanly on SIGTERM", async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // vitest's loader hooks must not leak into the child
    const child = spawn(process.execPath, ['bin/runnel.js', 'console', '--url', upstreamUrl, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const pageUrl = await consolePageUrl(child);
      expect(await (await fetch(pageUrl)).text()).toContain('<script type="module" src="console.js"></script>');
      expect((await (await fetch(new URL('console.js', pageUrl))).arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      expect(await (await fetch(new URL('/v1/topics', pageUrl))).json()).toEqual({ ok: true });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('says so when the API cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await withServer({ apiUrl: `http://127.0.0.1:${port}` }, async (_server, origin) => {
      const answer = await send(`${origin}/v1/topics`);
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.text).error).toEqual({ code: 'api_unreachable', message: `cannot reach the API at http://127.0.0.1:${port}: ECONNREFUSED` });
    });
  });
});
