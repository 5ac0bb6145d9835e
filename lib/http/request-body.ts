import type { Context } from 'hono';

/**
 * A request's body as the handler reads it, once. On Lambda the body is in API Gateway's event already:
 * as text, or base64 when API Gateway took it for binary (any type but text and JSON, so a CBOR body).
 * hono's adapter would copy either into a web Request (decoding base64 with `atob` and a loop over the
 * characters), and the handler would then copy it out again through the Request's stream. Instead,
 * lib/http/lambda.ts decodes a base64 body with Node's native codec, once, and hands the adapter the
 * event without it; the handler reads the bytes from here, and the body limit measures them. On the Node server the bytes are read from
 * the socket once, by the adapter.
 */

type LambdaEvent = { body?: unknown; isBase64Encoded?: boolean };

/** Each decoded event's body, by the event as the adapter was given it. */
const decodedBodies = new WeakMap<object, Uint8Array>();

const lambdaEvent = (c: Context): LambdaEvent | undefined => (c.env as { event?: LambdaEvent } | undefined)?.event;

/**
 * The event to hand hono's adapter for `event`: the same one, or for a base64 body one without the body,
 * whose content-length is the decoded body's (the body limit reads it) and whose bytes `bodyBytes` returns.
 */
export function withDecodedBody<E extends object>(event: E): E {
  const { body, isBase64Encoded, headers } = event as LambdaEvent & { headers?: Record<string, string> };
  if (!isBase64Encoded || typeof body !== 'string') return event;
  const bytes = Buffer.from(body, 'base64');
  const decoded = { ...event, body: undefined, isBase64Encoded: false, headers: { ...headers, 'content-length': String(bytes.length) } };
  decodedBodies.set(decoded, bytes);
  return decoded;
}

/** On Lambda, the event's body when lib/http/lambda.ts decoded it from base64; else undefined. */
export function decodedEventBody(c: Context): Uint8Array | undefined {
  const event = lambdaEvent(c);
  return event && decodedBodies.get(event);
}

/** On Lambda, the event's body when it is text; else undefined (read it with `bodyBytes`). */
export function lambdaEventText(c: Context): string | undefined {
  const event = lambdaEvent(c);
  return typeof event?.body === 'string' && !event.isBase64Encoded ? event.body : undefined;
}

/** The body's bytes: decoded from the Lambda event, or read from the request (once: a second read fails). */
export async function bodyBytes(c: Context): Promise<Uint8Array> {
  const decoded = decodedEventBody(c);
  if (decoded) return decoded;
  const text = lambdaEventText(c);
  if (text !== undefined) return Buffer.from(text, 'utf8');
  return new Uint8Array(await c.req.arrayBuffer());
}
