import type { Context } from 'hono';
import { badRequest, RunnelError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `application/json`, with no charset or UTF-8 (RFC 8259: JSON between systems is UTF-8). Anything
 * else is refused rather than guessed at; and a browser cannot send this type cross-site without a
 * preflight, so a web page cannot drive the API with a form or a `text/plain` fetch.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}

export const unsupportedMediaType = (contentType: string | undefined) =>
  new RunnelError({
    status: 415,
    code: 'unsupported_media_type',
    message: `content-type must be application/json (UTF-8), not ${JSON.stringify(contentType ?? '')}`,
    details: { field: 'content-type' },
  });

/** Reads a JSON body, turning a wrong type, bytes that are not UTF-8 and malformed JSON into a 4xx rather than an exception. */
export async function jsonBody(c: Context): Promise<unknown> {
  const contentType = c.req.header('content-type');
  if (!isJsonContentType(contentType)) throw unsupportedMediaType(contentType);
  let text: string;
  try {
    text = utf8.decode(await c.req.arrayBuffer());
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
