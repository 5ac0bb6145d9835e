import { createServer } from 'node:http';
import { listenOnLoopback, readBody } from './loopback-server.js';

export interface ManagementApiServer {
  /** A stage's callback URL on this server, as the construct hands the wake notifier `wss`'s `https` twin. */
  callbackUrl: string;
  /** Connections that answer PostToConnection; any other is gone (410). */
  open: Set<string>;
  /** Every message posted to an open connection, by connection id, in order. */
  posts: Map<string, string[]>;
  /** Requests answered 410, by connection id. */
  gone: Map<string, number>;
  /** Connections whose posts fail with a 500, as API Gateway's own failures do: the SDK retries them, then throws. */
  failing: Set<string>;
  /** Requests answered 500, by connection id. */
  failed: Map<string, number>;
  close(): Promise<void>;
}

const POST_PATH = /^\/wake\/@connections\/([^/]+)$/;

/**
 * A local server that speaks API Gateway's Management API for WebSocket connections, as far as wakes
 * use it: `POST /<stage>/@connections/{id}` with the message as the body. An open connection takes it
 * (200), unless it is set to fail (500); any other answers 410 GoneException, as API Gateway does for a closed (or not yet open)
 * connection. The real @aws-sdk/client-apigatewaymanagementapi is pointed at it.
 */
export async function startManagementApiServer(): Promise<ManagementApiServer> {
  const open = new Set<string>();
  const posts = new Map<string, string[]>();
  const gone = new Map<string, number>();
  const failing = new Set<string>();
  const failed = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const match = req.method === 'POST' ? POST_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname) : null;
    const text = (await readBody(req)).toString('utf8');
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'NotFoundException' }).end('{"message":"Not Found"}');
      return;
    }
    const id = decodeURIComponent(match[1]!);
    if (failing.has(id)) {
      failed.set(id, (failed.get(id) ?? 0) + 1);
      res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerErrorException' }).end('{"message":"Internal server error"}');
      return;
    }
    if (!open.has(id)) {
      gone.set(id, (gone.get(id) ?? 0) + 1);
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end('{"message":null}');
      return;
    }
    posts.set(id, [...(posts.get(id) ?? []), text]);
    res.writeHead(200, { 'content-type': 'application/json' }).end();
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    callbackUrl: `${origin}/wake`,
    open,
    posts,
    gone,
    failing,
    failed,
    close,
  };
}
