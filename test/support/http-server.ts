import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../lib/http/app.js';
import type { Runnel } from '../../lib/runtime.js';

export interface ServedRunnel {
  url: string;
  close(): Promise<void>;
}

/** Serves a Runnel's HTTP app on a free local port, for clients that must talk real HTTP (the client, the CLI). */
export async function serveRunnel(runnel: Runnel): Promise<ServedRunnel> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApp(runnel).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        // Long polls would otherwise hold the server open until they time out.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
