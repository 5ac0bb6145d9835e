import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isRunnelError } from '../errors.js';
import { logger } from '../observability/logger.js';

/** Throttling, 5xx answers and dropped connections from S3 or DynamoDB: worth a retry by the client. */
function isTransientStorageError(err: Error): boolean {
  const e = err as Error & { $fault?: string; $retryable?: unknown; code?: string };
  if (e.$fault === 'server' || e.$retryable) return true;
  if (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|SlowDown/.test(e.name)) return true;
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e.code ?? '');
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** Every error leaves as `{"error":{"code","message"}}`; only a bug becomes a 500, and it is logged. */
export function handleError(err: Error, c: Context): Response {
  if (isRunnelError(err)) return c.json(err.toJSON(), err.status as ContentfulStatusCode);
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'request_too_large' : 'bad_request';
    const message = err.status === 413 ? 'request body exceeds 6 MiB' : err.message || 'bad request';
    return c.json(errorBody(code, message), err.status);
  }
  if (isTransientStorageError(err)) {
    logger.warn('storage unavailable', { error: err, path: c.req.path });
    c.header('retry-after', '1');
    return c.json(errorBody('storage_unavailable', 'storage is busy or unreachable; retry the request'), 503);
  }
  logger.error('unhandled error', { error: err, path: c.req.path, method: c.req.method });
  return c.json(errorBody('internal_error', 'internal error; the request may be retried'), 500);
}
