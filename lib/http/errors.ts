import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isRunnelError } from '../errors.js';
import { logger } from '../observability/logger.js';

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** Every error leaves as `{"error":{"code","message"}}`; only a bug becomes a 500, and it is logged. */
export function handleError(err: Error, c: Context): Response {
  if (isRunnelError(err)) return c.json(err.toJSON(), err.status as ContentfulStatusCode);
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'request_too_large' : 'bad_request';
    const message = err.status === 413 ? 'request body exceeds 6 MiB' : err.message || 'bad request';
    return c.json(errorBody(code, message), err.status);
  }
  logger.error('unhandled error', { error: err, path: c.req.path, method: c.req.method });
  return c.json(errorBody('internal_error', 'internal error; the request may be retried'), 500);
}
