/** One delivery of a batch to a target. */
export interface Delivery {
  /**
   * Names the batch, the same on every retry of the same records, so a receiver can drop a duplicate
   * (a webhook's `webhook-id`).
   */
  id: string;
  /** The event's JSON text (see batch-event.ts). */
  body: string;
  /** Give up waiting for an answer after this long; the attempt then fails with TargetTimeoutError. */
  timeoutMs: number;
}

/**
 * Where a subscription delivers. `deliver` resolves with the target's answer (parsed JSON, or undefined
 * when there was none), which batch-response.ts reads for `batchItemFailures`, and rejects with a
 * DeliveryError when the delivery failed as a whole.
 */
export interface Target {
  deliver(delivery: Delivery): Promise<unknown>;
}

/** The longest answer read from a target. A longer one fails the batch rather than being half-read. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A target's answer body as JSON, or undefined when it is empty or not JSON (a plain "OK" acknowledges).
 * A body that mentions batchItemFailures but does not parse is reported as such: acknowledging it all
 * could commit past records the target said failed.
 */
export function parseAnswer(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.includes('batchItemFailures') ? { batchItemFailures: 'unparseable answer' } : undefined;
  }
}
