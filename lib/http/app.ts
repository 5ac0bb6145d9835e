import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Runnel } from '../runtime.js';
import { errorBody, handleError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { fetchRoutes } from './routes/fetch.js';
import { groupRoutes } from './routes/groups.js';
import { produceRoutes } from './routes/produce.js';
import { topicRoutes } from './routes/topics.js';

/** Lambda's synchronous payload limit; API Gateway refuses more anyway, so refuse it the same way locally. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

export type Concern = 'admin' | 'produce' | 'fetch' | 'groups';
export const ALL_CONCERNS: readonly Concern[] = ['admin', 'produce', 'fetch', 'groups'];

/**
 * The one HTTP app. Lambda serves a subset of concerns per function (so each gets only the grants it
 * needs); the local server serves them all.
 */
export function createApp(runnel: Runnel, concerns: readonly Concern[] = ALL_CONCERNS): Hono {
  const app = new Hono();
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json(errorBody('request_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`), 413) }));
  if (concerns.includes('admin')) app.route('/v1/topics', topicRoutes(runnel));
  if (concerns.includes('produce')) app.route('/v1/topics', produceRoutes(runnel));
  if (concerns.includes('fetch')) app.route('/v1/topics', fetchRoutes(runnel));
  if (concerns.includes('groups')) app.route('/v1/groups', groupRoutes(runnel));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError);
  return app;
}
