import { getRequestListener, RequestError } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { Hono } from 'hono';
import type { WakeHub } from '../wake/wake-hub.js';
import { errorBody } from './errors.js';
import { serveWakeSockets } from './wake-sockets.js';

/**
 * A Node HTTP server for the app. The adapter refuses some requests before the app sees them (a
 * backslash in the path, a missing or malformed Host header) and by default answers those with an
 * empty 400; here they get the API's JSON error shape like any other bad request.
 */
export function createNodeServer(app: Hono, options: { wake?: WakeHub } = {}): Server {
  // Node itself would answer a request without a Host header with an empty 400; let the adapter refuse it.
  const server = createServer(
    { requireHostHeader: false },
    getRequestListener(app.fetch, {
      errorHandler: (err: unknown) => {
        if (err instanceof RequestError) return Response.json(errorBody('bad_request', `malformed request: ${err.message}`), { status: 400 });
        // The app answers its own errors (onError), so anything else is a failure of the adapter itself.
        return Response.json(errorBody('internal_error', 'internal error; the request may be retried'), { status: 500 });
      },
    }),
  );
  // Idle pull consumers wait on wake sockets here instead of polling (lib/contract/wake.ts).
  if (options.wake) serveWakeSockets(server, app, options.wake);
  return server;
}

/** Listens on `port` (0 picks a free one); rejects if it cannot, for example when the port is taken. */
export function listen(server: Server, port: number, hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
