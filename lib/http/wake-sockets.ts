import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { routeFor } from '../contract/routes.js';
import type { WakeHub, WakeRegistration } from '../wake/wake-hub.js';
import type { WakeUpgradeEnv } from '../wake/wake-upgrade.js';

/**
 * Serves wake sockets on a Node server (the local stack, test and bench servers), as API Gateway's
 * WebSocket API does on AWS. An upgrade request runs through the app first, as a GET of the wake
 * route, so it meets the same host and origin checks (a web page can open a WebSocket to any host),
 * validation and 404s as any request; only a 200 is upgraded. Any other upgrade is refused.
 */
export function serveWakeSockets(server: Server, app: Hono, hub: WakeHub): void {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  hub.served = true;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(req, socket, head).catch(() => socket.destroy());
  });
  server.on('close', () => {
    hub.served = false;
    hub.closeAll();
    sockets.close();
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (routeFor('GET', path)?.operationId !== 'wakeChannel' || req.method !== 'GET' || req.headers.host === undefined) {
      return refuse(socket, 404, { error: { code: 'not_found', message: `no WebSocket at ${path}` } });
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    let admitted: WakeRegistration | undefined;
    const env: WakeUpgradeEnv = { runnelWakeUpgrade: (registration) => void (admitted = registration) };
    const answer = await app.fetch(new Request(`http://${req.headers.host}${req.url}`, { method: 'GET', headers }), env);
    if (answer.status !== 200 || !admitted) return refuse(socket, answer.status === 200 ? 500 : answer.status, await answer.json().catch(() => ({})));
    const registration = admitted;
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const unwatch = hub.watch(registration, ws);
      ws.on('close', unwatch);
      // Clients never need to say anything: whatever they send is dropped, and a socket error ends the watch.
      ws.on('error', () => ws.terminate());
    });
  }
}

/** An HTTP answer on a socket that asked to be upgraded, and the end of it. */
function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}
