import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { routeFor, type Concern } from '../lib/contract/routes.js';
import { createApp } from '../lib/http/app.js';
import type { Services } from '../lib/runtime.js';
import { PRICES } from './prices.js';

/** Per Lambda concern: requests, API Gateway billing units, and handler milliseconds. */
export type ConcernUsage = Record<Concern, { requests: number; apiUnits: number; billedMs: number }>;

export interface TimedServer {
  url: string;
  /** Each request's handler time is rounded up to 1 ms, as Lambda bills; API units count each 512 KB of body as one request. */
  usage(): ConcernUsage;
  close(): Promise<void>;
}

/** The app behind a loopback server that times each request as its handler runs it, as Lambda would bill it. */
export async function serveTimed(services: Services): Promise<TimedServer> {
  const app = createApp(services);
  const usage: ConcernUsage = {
    admin: { requests: 0, apiUnits: 0, billedMs: 0 },
    produce: { requests: 0, apiUnits: 0, billedMs: 0 },
    fetch: { requests: 0, apiUnits: 0, billedMs: 0 },
    groups: { requests: 0, apiUnits: 0, billedMs: 0 },
  };
  const timed = async (req: Request) => {
    const started = performance.now();
    const bodyBytes = Number(req.headers.get('content-length') ?? 0);
    const res = await app.fetch(req);
    const body = await res.arrayBuffer();
    const concern = routeFor(req.method, new URL(req.url).pathname)?.concern ?? 'admin';
    usage[concern].requests++;
    usage[concern].apiUnits += Math.max(1, Math.ceil(Math.max(bodyBytes, body.byteLength) / PRICES.apiRequestIncrementBytes));
    usage[concern].billedMs += Math.max(1, Math.ceil(performance.now() - started));
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: timed, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    usage: () => structuredClone(usage),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
