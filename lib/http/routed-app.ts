import type { Hono, MiddlewareHandler } from 'hono';
import { HonoBase } from 'hono/hono-base';
import { TrieRouter } from 'hono/router/trie-router';
import { methodsFor, routeFor, ROUTES } from '../contract/routes.js';
import { requestBodyLimit } from './body-limit.js';
import { errorBody, handleError } from './errors.js';
import { isCborContentType, isJsonContentType, unsupportedMediaType } from './json-body.js';
import { requestLog } from './request-log.js';
import type { Handlers } from './routes/handlers.js';

/** `/v1/topics/{topic}` → `/v1/topics/:topic`. */
const honoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

export interface AppOptions {
  /**
   * Host names the app answers to, and that an `Origin` header may name. The dev server sets this, so
   * that a web page cannot reach it through DNS rebinding or a cross-site request; on AWS, API Gateway
   * and IAM do that job, and any host is served.
   */
  allowedHosts?: readonly string[];
  /** Log one line per request (method, path, status, ms): the dev server does; on AWS the API's access log does. */
  logRequests?: boolean;
}

/** Refuses a Host, or a browser's Origin, that is not an allowed host name. */
function hostGuard(allowedHosts: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    // The Host header, and the URL's host too: an absolute request target names its own.
    const header = c.req.header('host');
    const host = [new URL(c.req.url).hostname.toLowerCase(), ...(header === undefined ? [] : [hostName(header)])].find((h) => !allowed.has(h));
    if (host !== undefined) {
      return c.json({ error: { code: 'forbidden_host', message: `Host "${host}" is not served here; RUNNEL_ALLOWED_HOSTS lists the names that are`, field: 'host' } }, 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowed.has(originHost(origin))) {
      return c.json({ error: { code: 'forbidden_origin', message: `requests from web pages at ${JSON.stringify(origin)} are refused`, field: 'origin' } }, 403);
    }
    await next();
  };
}

/** `example.com:8080` → `example.com`; `[::1]:7430` → `[::1]`. */
const hostName = (hostHeader: string): string => hostHeader.trim().toLowerCase().replace(/:\d*$/, '');

const originHost = (origin: string): string => {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return ''; // "null" (a sandboxed page or a file) or garbage: never allowed
  }
};

/**
 * A request that declares a body must declare it JSON, or CBOR where the route table says the route
 * takes it. Browsers send `text/plain` and form bodies cross-site without asking first; `application/json`
 * and `application/cbor` need a CORS preflight, which this API never grants.
 */
const jsonBodiesOnly: MiddlewareHandler = async (c, next) => {
  const length = c.req.header('content-length');
  const declaresBody = c.req.header('transfer-encoding') !== undefined || (length !== undefined && length.trim() !== '0');
  const contentType = c.req.header('content-type');
  if (declaresBody && !isJsonContentType(contentType)) {
    const takesCbor = routeFor(c.req.method, c.req.path)?.cbor === true;
    if (!(takesCbor && isCborContentType(contentType))) throw unsupportedMediaType(contentType, takesCbor);
  }
  await next();
};

/**
 * The HTTP app around some of the API's handlers: the routes of the contract's table
 * (lib/contract/routes.ts) that have a handler here, behind the middleware every route shares. It imports
 * no route module, so a Lambda function that mounts its own concern's handlers carries no other's
 * (lib/http/functions); `createApp` (app.ts) mounts them all for the local server and the tests.
 */
export function routedApp(handlers: Partial<Handlers>, options: AppOptions = {}): Hono {
  // Hono with one router, the trie: the default pairs it with a regular-expression router behind a
  // router that picks between them at the first request, which adds 5 KB to every Lambda bundle for
  // no time a request of this API would notice. (Hono's tiny preset is smaller still, but its pattern
  // router lets `/console/` match `/console`: not the same routes.)
  const app: Hono = new HonoBase({ router: new TrieRouter() });
  if (options.logRequests) app.use('*', requestLog);
  if (options.allowedHosts) app.use('*', hostGuard(options.allowedHosts));
  app.use('*', jsonBodiesOnly);
  app.use('*', requestBodyLimit);
  for (const route of ROUTES) {
    const handler = handlers[route.operationId];
    if (handler) app.on(route.method, honoPath(route.path), handler);
  }
  app.notFound((c) => {
    // A path of the table with a method it does not serve is a 405 naming the methods it does, whichever
    // function serves them. A method the table does serve there reaches this function only when another
    // function serves it, which API Gateway would have routed there: no route here.
    const allow = methodsFor(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method as (typeof allow)[number])) {
      return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow.join(', ')}`), 405, { allow: allow.join(', ') });
    }
    return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError(handleError);
  return app;
}
