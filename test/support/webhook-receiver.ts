import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { listenOnLoopback, readBody } from './loopback-server.js';

export interface ReceivedWebhook {
  id: string;
  /** The verified, parsed body. */
  body: unknown;
}

/** What the receiver answers to one request: a status, headers, a body, and how long to wait before answering. */
export interface WebhookAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  /** Requests whose signature verified, in arrival order. */
  received: ReceivedWebhook[];
  /** Requests whose signature did not verify, with the verifier's reason. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A webhook endpoint that verifies each request's Standard Webhooks signature with the maintained
 * `standardwebhooks` package (not with Runnel's code) and answers as `answer` says (default 204).
 * A request that fails verification is answered 401 and recorded in `rejected`.
 */
export async function startWebhookReceiver(secret: string, answer: (delivery: ReceivedWebhook) => WebhookAnswer | Promise<WebhookAnswer> = () => ({})): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  const server = createServer(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    let delivery: ReceivedWebhook;
    try {
      const body = verifier.verify(text, req.headers as Record<string, string>);
      delivery = { id: String(req.headers['webhook-id']), body };
    } catch (e) {
      rejected.push((e as Error).message);
      res.writeHead(401).end();
      return;
    }
    received.push(delivery);
    const { status = 204, headers = {}, body, delayMs = 0 } = await answer(delivery);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    if (body === undefined) res.writeHead(status, headers).end();
    else res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    url: `${origin}/hook`,
    received,
    rejected,
    close,
  };
}
