import type { AddressInfo } from 'node:net';
import { createApp } from '../../lib/http/app.js';
import { createNodeServer, listen } from '../../lib/http/node-server.js';
import type { Services } from '../../lib/runtime.js';

export interface ServedRunnel {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a Runnel's HTTP app on a free local port, for clients that must talk real HTTP (the client, the
 * CLI), with wake sockets as the dev server serves them unless `wakeSockets: false` (a server without).
 */
export async function serveRunnel(runnel: Services, options: { wakeSockets?: boolean } = {}): Promise<ServedRunnel> {
  const server = createNodeServer(createApp(runnel), options.wakeSockets === false ? {} : { wake: runnel.wake });
  await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        // Long polls would otherwise hold the server open until they time out.
        server.closeAllConnections();
        runnel.wake.closeAll();
        server.close(() => resolve());
      }),
  };
}
