import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeFor, type Concern } from '../lib/contract/routes.js';
import { createApp } from '../lib/http/app.js';
import { serveWakeSockets } from '../lib/http/wake-sockets.js';
import type { Services } from '../lib/runtime.js';
import { PRICES } from './prices.js';

/** Per Lambda concern: requests, API Gateway billing units, and handler milliseconds. */
export type ConcernUsage = Record<Concern, { requests: number; apiUnits: number; billedMs: number }>;

export interface TimedServer {
  url: string;
  /** Each request's handler time is rounded up to 1 ms, as Lambda bills; API units count each 512 KB of body as one request. */
  usage(): ConcernUsage;
  /** Requests per operation (fetches, heartbeats, wake-channel lookups…). */
  operations(): Record<string, number>;
  /** Wake sockets (with `wakeSockets`): opened, closed, seconds open (to now), wake messages sent, and each upgrade's handler time, as a $connect function's. */
  sockets(): WakeSocketUsage;
  close(): Promise<void>;
}

export interface WakeSocketUsage {
  opened: number;
  closed: number;
  openSeconds: number;
  messages: number;
  connectBilledMs: number;
}

/**
 * The app behind a loopback server that times each request as its handler runs it, as Lambda would bill
 * it; with `wakeSockets`, it also serves idle members' wake sockets as the dev server does, and counts them.
 */
export async function serveTimed(services: Services, options: { wakeSockets?: boolean } = {}): Promise<TimedServer> {
  const app = createApp(services);
  const usage: ConcernUsage = {
    admin: { requests: 0, apiUnits: 0, billedMs: 0 },
    produce: { requests: 0, apiUnits: 0, billedMs: 0 },
    fetch: { requests: 0, apiUnits: 0, billedMs: 0 },
    groups: { requests: 0, apiUnits: 0, billedMs: 0 },
  };
  const operations: Record<string, number> = {};
  const timed = async (req: Request) => {
    const started = performance.now();
    const bodyBytes = Number(req.headers.get('content-length') ?? 0);
    const res = await app.fetch(req);
    const body = await res.arrayBuffer();
    const route = routeFor(req.method, new URL(req.url).pathname);
    const concern = route?.concern ?? 'admin';
    operations[route?.operationId ?? 'unknown'] = (operations[route?.operationId ?? 'unknown'] ?? 0) + 1;
    usage[concern].requests++;
    usage[concern].apiUnits += Math.max(1, Math.ceil(Math.max(bodyBytes, body.byteLength) / PRICES.apiRequestIncrementBytes));
    usage[concern].billedMs += Math.max(1, Math.ceil(performance.now() - started));
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: timed, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const sockets = options.wakeSockets ? countWakeSockets(server as Server, app, services) : undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    usage: () => structuredClone(usage),
    operations: () => ({ ...operations }),
    sockets: () => sockets?.() ?? { opened: 0, closed: 0, openSeconds: 0, messages: 0, connectBilledMs: 0 },
    close: () =>
      new Promise((resolve) => {
        services.wake.closeAll();
        server.close(() => resolve());
      }),
  };
}

/** Serves wake sockets on `server` and counts them: what API Gateway's WebSocket API would bill. */
function countWakeSockets(server: Server, app: ReturnType<typeof createApp>, services: Services): () => WakeSocketUsage {
  const counts = { opened: 0, closed: 0, closedSeconds: 0, messages: 0, connectBilledMs: 0 };
  const open = new Set<number>();
  // Counted on the raw socket, before the wake route admits it: a connection as API Gateway would bill it.
  server.on('upgrade', (_req, socket) => {
    const at = performance.now();
    counts.opened++;
    open.add(at);
    socket.once('close', () => {
      open.delete(at);
      counts.closed++;
      counts.closedSeconds += (performance.now() - at) / 1000;
    });
  });
  // The upgrade's pass through the wake route is what a $connect function would do (find the topic, register).
  const upgradeApp = {
    fetch: async (req: Request, env: unknown) => {
      const started = performance.now();
      const res = await app.fetch(req, env as never);
      counts.connectBilledMs += Math.max(1, Math.ceil(performance.now() - started));
      return res;
    },
  } as unknown as typeof app;
  const watch = services.wake.watch.bind(services.wake);
  services.wake.watch = (registration, socket) =>
    watch(registration, {
      send: (text) => {
        counts.messages++;
        socket.send(text);
      },
      close: (code, reason) => socket.close(code, reason),
      ...(socket.terminate ? { terminate: () => socket.terminate!() } : {}),
    });
  serveWakeSockets(server, upgradeApp, services.wake);
  return () => {
    const now = performance.now();
    const { closedSeconds, ...rest } = counts;
    return { ...rest, openSeconds: closedSeconds + [...open].reduce((t, at) => t + (now - at) / 1000, 0) };
  };
}
