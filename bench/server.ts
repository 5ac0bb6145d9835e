import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, type Concern } from '../lib/http/app.js';
import { createServices, type Services, type ServicesOptions } from '../lib/runtime.js';
import type { RoundTripRecorder } from './round-trips.js';
import type { BenchContext } from './section.js';

export interface ExtraServer {
  url: string;
  runnel: Services;
  close(): Promise<void>;
}

/** The HTTP API of `runnel` behind a loopback HTTP server of its own; `recorder` traces each request's storage calls. */
export async function serveRunnel(runnel: Services, options: { concerns?: Concern[]; recorder?: RoundTripRecorder } = {}): Promise<ExtraServer> {
  const app = createApp(runnel, options.concerns);
  const recorder = options.recorder;
  const fetch: typeof app.fetch = recorder ? (request, ...rest) => recorder.trace(async () => app.fetch(request, ...rest)) : app.fetch;
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    runnel,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Another Runnel instance on the stack's storage and its metered clients, behind its own loopback
 * HTTP server: a fresh Lambda instance with empty caches, or one with different log options.
 */
export async function serveAnotherRunnel(ctx: BenchContext, options: ServicesOptions = {}, concerns?: Concern[]): Promise<ExtraServer> {
  const runnel = createServices(ctx.stack.runnel.config, { ...options, clients: ctx.stack.runnel.clients });
  return serveRunnel(runnel, concerns ? { concerns } : {});
}
