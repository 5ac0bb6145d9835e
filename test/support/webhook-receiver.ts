import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  /** The verified, parsed body. */
  body: unknown;
}

/** What the receiver answers to one request: a status, a body, and how long to wait before answering. */
export interface WebhookAnswer {
  status?: number;
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
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
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
    const { status = 204, body, delayMs = 0 } = await answer(delivery);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    rejected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
