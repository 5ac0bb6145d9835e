import type { Context } from 'hono';
import { CBOR_CONTENT_TYPE } from '../contract/routes.js';
import { badRequest, RunnelError } from '../errors.js';
import { bodyBytes, lambdaEventText } from './request-body.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const mediaType = (contentType: string) => contentType.split(';').map((p) => p.trim().toLowerCase());

/**
 * `application/json`, with no charset or UTF-8 (RFC 8259: JSON between systems is UTF-8). Anything
 * else is refused rather than guessed at; and a browser cannot send this type cross-site without a
 * preflight, so a web page cannot drive the API with a form or a `text/plain` fetch.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = mediaType(contentType);
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}

/** `application/cbor` (RFC 8949 §9.5), which has no parameters; like JSON, a browser must ask first to send it cross-site. */
export function isCborContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && mediaType(contentType)[0] === CBOR_CONTENT_TYPE;
}

/** 415 for a body of a type the route does not take; the CBOR-taking routes say so. */
export const unsupportedMediaType = (contentType: string | undefined, takesCbor = false) =>
  new RunnelError({
    status: 415,
    code: 'unsupported_media_type',
    message: `content-type must be application/json (UTF-8)${takesCbor ? ` or ${CBOR_CONTENT_TYPE}` : ''}, not ${JSON.stringify(contentType ?? '')}`,
    details: { field: 'content-type' },
  });

/**
 * Reads a JSON body, turning a wrong type, bytes that are not UTF-8 and malformed JSON into a 4xx rather
 * than an exception. On Lambda a text body is parsed from the event's string as it is (lib/http/request-body.ts).
 */
export async function jsonBody(c: Context, takesCbor = false): Promise<unknown> {
  const contentType = c.req.header('content-type');
  if (!isJsonContentType(contentType)) throw unsupportedMediaType(contentType, takesCbor);
  let text: string;
  try {
    text = lambdaEventText(c) ?? utf8.decode(await bodyBytes(c));
  } catch {
    throw badRequest('invalid_json', 'request body is not valid UTF-8');
  }
  if (!text.trim()) throw badRequest('invalid_json', 'request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest('invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}
