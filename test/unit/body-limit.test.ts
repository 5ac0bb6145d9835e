import fc from 'fast-check';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/contract/limits.js';
import { requestBodyLimit } from '../../lib/http/body-limit.js';
import { errorBody } from '../../lib/http/errors.js';
import { createNodeServer, listen } from '../../lib/http/node-server.js';

/** What the app used before the shortcut: hono's bodyLimit with the same answer. The oracle. */
const honoLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody('request_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`), 413, { connection: 'close' }),
});

/** An app behind `limit` whose one route reads the whole body and says how long it was. */
function appWith(limit: MiddlewareHandler): Hono {
  const app = new Hono();
  app.use('*', limit);
  app.all('*', async (c) => c.json({ method: c.req.method, bytes: c.req.method === 'GET' || c.req.method === 'HEAD' ? 0 : (await c.req.arrayBuffer()).byteLength }));
  return app;
}

const answer = async (res: Response) => ({ status: res.status, connection: res.headers.get('connection'), body: await res.text() });

const sizes = fc.oneof(fc.constantFrom(0, 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1), fc.nat({ max: 4096 }));
const methods = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE');

describe('requestBodyLimit', () => {
  const ours = appWith(requestBodyLimit);
  const theirs = appWith(honoLimit);

  it('answers as hono bodyLimit does, whatever length and transfer-encoding a request declares (web Request, as on Lambda)', async () => {
    const declared = fc.option(fc.oneof(fc.constantFrom('abc', '', ' 7000000', '-1', '1e7', '6291456', '6291457', '0x10', '00012'), fc.nat().map(String)), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(methods, sizes, declared, fc.boolean(), fc.boolean(), async (method, size, length, chunked, withBody) => {
        const headers: Record<string, string> = {};
        if (length !== undefined) headers['content-length'] = length;
        if (chunked) headers['transfer-encoding'] = 'chunked';
        const init = (): RequestInit => ({ method, headers, ...(withBody && method !== 'GET' && method !== 'HEAD' ? { body: new Uint8Array(size) } : {}) });
        expect(await answer(await ours.request('/x', init()))).toEqual(await answer(await theirs.request('/x', init())));
      }),
      { numRuns: 300 },
    );
  });

  describe('behind the Node server', () => {
    const servers = [ours, theirs].map((app) => createNodeServer(app));
    const urls: string[] = [];
    beforeAll(async () => {
      for (const server of servers) {
        await listen(server, 0, '127.0.0.1');
        urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      }
    });
    afterAll(async () => {
      for (const server of servers) await new Promise((resolve) => server.close(resolve));
    });

    const send = (url: string, method: string, body: Buffer, chunked: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${url}/x`, { method, agent: false, headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.byteLength) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        // A refused body is not read: the server may close before it has all of it.
        req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
        req.end(body);
      });

    it('answers as hono bodyLimit does, with the length declared or the body chunked', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('POST', 'PUT', 'DELETE'), sizes, fc.boolean(), async (method, size, chunked) => {
          const body = Buffer.alloc(size, 'x');
          const [a, b] = await Promise.all(urls.map((url) => send(url, method, body, chunked)));
          expect(a).toEqual(b);
          expect(a!.status).toBe(size > MAX_BODY_BYTES ? 413 : 200);
        }),
        { numRuns: 40 },
      );
    });
  });
});
