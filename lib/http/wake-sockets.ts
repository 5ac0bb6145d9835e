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
  // ws's own refusals (a bad subprotocol or extension list) get the API's JSON error shape, not its text/html.
  sockets.on('wsClientError', (err: Error, socket: Duplex) => refuse(socket, 400, handshakeError(err.message, /Sec-WebSocket-[A-Za-z]+/.exec(err.message)?.[0])));
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
    // The handshake is checked before the app admits anything, so a bad one is refused in the API's shape.
    const badHandshake = handshakeFault(req);
    if (badHandshake) return refuse(socket, 400, badHandshake, badHandshake.error.field === 'sec-websocket-version' ? { 'sec-websocket-version': '13, 8' } : {});
    let request: Request;
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      request = new Request(`http://${req.headers.host}${req.url}`, { method: 'GET', headers });
    } catch {
      return refuse(socket, 400, { error: { code: 'bad_request', message: `malformed request: Host ${JSON.stringify(req.headers.host)} with path ${JSON.stringify(req.url)} is not a URL`, field: 'host' } });
    }
    let admitted: WakeRegistration | undefined;
    const env: WakeUpgradeEnv = { runnelWakeUpgrade: (registration) => void (admitted = registration) };
    const answer = await app.fetch(request, env);
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

interface HandshakeError {
  error: { code: 'bad_handshake'; message: string; field?: string };
}

const handshakeError = (message: string, header?: string): HandshakeError => ({
  error: { code: 'bad_handshake', message, ...(header ? { field: header.toLowerCase() } : {}) },
});

/** What ws's handleUpgrade would refuse of the handshake (RFC 6455 §4.2.1), as the API's error. */
function handshakeFault(req: IncomingMessage): HandshakeError | undefined {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return handshakeError('the Upgrade header must be websocket', 'upgrade');
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return handshakeError('Sec-WebSocket-Key must be 16 bytes in base64', 'sec-websocket-key');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return handshakeError(`Sec-WebSocket-Version ${JSON.stringify(version ?? null)} is not served; 13 or 8 is`, 'sec-websocket-version');
  return undefined;
}

/** An HTTP answer on a socket that asked to be upgraded, and the end of it. */
function refuse(socket: Duplex, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const extra = Object.entries(extraHeaders).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}
