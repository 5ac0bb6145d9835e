import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_BODY_BYTES } from '../contract/limits.js';
import { errorBody } from './errors.js';
import { decodedEventBody } from './request-body.js';

// The rest of the body is not read, so the connection cannot carry another request: say so, or a
// keep-alive client sends its next request on a socket the server is about to close.
const tooLarge = (c: Context) => c.json(errorBody('request_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`), 413, { connection: 'close' });

const countingLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

/**
 * Refuses (413) a request body over MAX_BODY_BYTES: hono's bodyLimit, answering in the API's error
 * shape, with one shortcut. bodyLimit lets through every request that declares a length within the
 * limit (and no transfer-encoding), body or not, and so does this, but without first asking for
 * `c.req.raw.body`: on the Node server that property makes the adapter wrap the socket in a web
 * Request, and the handler then reads the body through web streams, which doubles the CPU that
 * reading a 140 KB produce body costs. Every other request goes through bodyLimit itself, which
 * counts a chunked body as it streams (test/unit/body-limit.test.ts holds the two to the same answers).
 */
export const requestBodyLimit: MiddlewareHandler = async (c, next) => {
  // On Lambda a base64 body is decoded from the event, and the Request holds none (request-body.ts).
  const decoded = decodedEventBody(c);
  if (decoded) return decoded.length > MAX_BODY_BYTES ? tooLarge(c) : next();
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined && !(parseInt(length, 10) > MAX_BODY_BYTES)) return next();
  return countingLimit(c, next);
};
