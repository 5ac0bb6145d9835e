import type { MiddlewareHandler } from 'hono';
import { logger } from '../observability/logger.js';

/**
 * One log line per request, once it is answered: method, path, status and milliseconds, through the
 * service's logger (so `RUNNEL_LOG_LEVEL` above INFO, or SILENT, turns it off). The dev server logs
 * this way; on AWS, API Gateway's access log has the same facts.
 */
export const requestLog: MiddlewareHandler = async (c, next) => {
  const started = performance.now();
  try {
    await next();
  } finally {
    logger.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 });
  }
};
