import { Webhook } from 'standardwebhooks';
import { TargetRejectedError, TargetTimeoutError, TargetUnavailableError, TargetUnreachableError } from './errors.js';
import { retryAfterMs } from './retry-after.js';
import { MAX_ANSWER_BYTES, parseAnswer, type Delivery, type Target } from './target.js';

export interface WebhookTargetSpec {
  type: 'webhook';
  /** Where to POST each batch: http or https. */
  url: string;
  /** The Standard Webhooks signing secret, `whsec_` and the base64 of 24–64 random bytes. */
  secret: string;
  /** How long to wait for an answer, in ms (default 10 000, at most 60 000). */
  timeoutMs?: number;
}

/**
 * POSTs each batch as JSON, signed with the Standard Webhooks scheme (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), which receivers verify with a maintained library in their
 * language. A 2xx acknowledges the batch, or part of it with a `batchItemFailures` body. Redirects are
 * not followed: a signed body is for the URL the subscriber named. A `Retry-After` on a 5xx, 408 or
 * 429 lengthens the wait before the next attempt, within the subscription's `backoff.maxMs`.
 */
export class WebhookTarget implements Target {
  private readonly signer: Webhook;

  constructor(
    private readonly spec: WebhookTargetSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.signer = new Webhook(spec.secret);
  }

  async deliver(delivery: Delivery): Promise<unknown> {
    const at = new Date(this.now());
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Runnel-Webhooks',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.signer.sign(delivery.id, at, delivery.body),
    };
    const signal = AbortSignal.timeout(delivery.timeoutMs);
    let response: Response;
    let text: string | undefined;
    try {
      response = await fetch(this.spec.url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal });
      text = await readCapped(response);
    } catch (e) {
      if (signal.aborted) throw new TargetTimeoutError(delivery.timeoutMs);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new TargetUnreachableError(`${cause?.code ?? 'fetch failed'}: ${cause?.message ?? (e as Error).message}`);
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      return text === undefined ? { batchItemFailures: `an answer over ${MAX_ANSWER_BYTES} bytes` } : parseAnswer(text);
    }
    const said = `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (status >= 500 || status === 408 || status === 429) throw new TargetUnavailableError(said, retryAfterMs(response.headers.get('retry-after'), this.now()));
    throw new TargetRejectedError(status >= 300 && status < 400 ? `${said} (redirects are not followed)` : said);
  }
}

/** The body as text, or undefined when it is longer than MAX_ANSWER_BYTES (then not read further). */
async function readCapped(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await response.body.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
