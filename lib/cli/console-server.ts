import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES } from '../contract/limits.js';
import type { SignableRequest } from '../client/sigv4.js';
import { CONSOLE_PATH, consoleFileAt, type ConsoleAssets } from './console-assets.js';

/** Signs a request bound for the API (SigV4 with the user's credentials); `createSigner` in lib/client/sigv4.ts. */
export type RequestSigner = (req: SignableRequest) => Promise<Record<string, string>>;

export interface ConsoleServerOptions {
  /** The Runnel API the console's `/v1/...` calls go to: a dev server, or an API Gateway stage URL. */
  apiUrl: string;
  assets: ConsoleAssets;
  /** 0 picks a free port. The server listens on 127.0.0.1 only: it signs with the user's credentials. */
  port: number;
  sign?: RequestSigner;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

export interface ConsoleServer {
  /** The page: `http://127.0.0.1:<port>/console/`. */
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const errorOf = (code: string, message: string) => ({ error: { code, message } });

/**
 * Only this machine's own pages may use the server: it holds the user's credentials, so a web page
 * elsewhere must not reach it, neither cross-site (a foreign Origin) nor by DNS rebinding (a foreign
 * Host). Bodies must be JSON, a type no page can send cross-site without a CORS preflight, never granted.
 */
function guard(req: IncomingMessage, port: number): void {
  const host = (req.headers.host ?? '').toLowerCase();
  const hostName = host.replace(/:\d*$/, '');
  if (!LOOPBACK.has(hostName)) throw new Refusal(403, 'forbidden_host', `Host "${hostName}" is not served here: open the console at http://127.0.0.1:${port}${CONSOLE_PATH}/`);
  const origin = req.headers.origin;
  if (origin !== undefined && ![...LOOPBACK].some((name) => origin.toLowerCase() === `http://${name}:${port}`)) {
    throw new Refusal(403, 'forbidden_origin', `requests from web pages at ${JSON.stringify(origin)} are refused`);
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0').trim() !== '0';
  if (!declared) return undefined;
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new Refusal(415, 'unsupported_media_type', `a request body must be application/json, not ${JSON.stringify(req.headers['content-type'] ?? '')}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if ((size += chunk.length) > MAX_BODY_BYTES) throw new Refusal(413, 'request_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the console's files at /console/ and passes its `/v1/...` calls on to the API, signed when
 * `sign` is given: the browser never sees a credential, only this server's answers.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  const fetchImpl = options.fetch ?? fetch;
  let port = options.port;

  const proxy = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const url = new URL(path.replace(/^\//, ''), base);
    let headers: Record<string, string> = { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    if (options.sign) {
      // fetch derives Host from the URL; the signature covers it, so it must not be sent twice.
      const { host: _host, ...signed } = await options.sign({ method, url, headers, body });
      headers = signed;
    }
    let answer: Response;
    try {
      answer = await fetchImpl(url, { method, headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Refusal(502, 'api_unreachable', `cannot reach the API at ${base.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    guard(req, port);
    const { pathname, search } = new URL(req.url ?? '/', 'http://console.invalid');
    if (pathname.startsWith('/v1/')) return proxy(req, res, pathname + search);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}`);
    if (pathname === '/' || pathname === CONSOLE_PATH) {
      res.writeHead(302, { location: `${CONSOLE_PATH}/` }).end();
      return;
    }
    const file = consoleFileAt(options.assets, pathname);
    if (!file) throw new Refusal(404, 'not_found', `no page at ${pathname}; the console is at ${CONSOLE_PATH}/`);
    res.writeHead(200, file.headers).end(req.method === 'HEAD' ? undefined : file.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof Refusal) return sendJson(res, error.status, errorOf(error.code, error.message), error.status === 413 ? { connection: 'close' } : {});
      sendJson(res, 502, errorOf('console_proxy_error', (error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${CONSOLE_PATH}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
