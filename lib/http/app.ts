import type { Hono } from 'hono';
import { CONCERNS, ROUTES, type Concern } from '../contract/routes.js';
import type { Services } from '../runtime.js';
import { routedApp, type AppOptions } from './routed-app.js';
import { fetchHandlers } from './routes/fetch.js';
import { groupHandlers } from './routes/groups.js';
import type { Handlers } from './routes/handlers.js';
import { metaHandlers } from './routes/meta.js';
import { produceHandlers } from './routes/produce.js';
import { subscriptionHandlers } from './routes/subscriptions.js';
import { topicHandlers } from './routes/topics.js';

export type { Concern } from '../contract/routes.js';
export type { AppOptions } from './routed-app.js';
export const ALL_CONCERNS = CONCERNS;

/** Every operation of the route table has its handler: the type refuses a route without one. */
const handlersFor = (services: Services): Handlers => ({
  ...topicHandlers(services),
  ...produceHandlers(services),
  ...fetchHandlers(services),
  ...groupHandlers(services),
  ...subscriptionHandlers(services),
  ...metaHandlers(),
});

/**
 * The one HTTP app, over every service: the local server serves all concerns, a test may pick some. On
 * AWS each Lambda function mounts only its own concern's handlers (lib/http/functions), so each gets only
 * the grants it needs and its bundle only the code.
 */
export function createApp(services: Services, concerns: readonly Concern[] = ALL_CONCERNS, options: AppOptions = {}): Hono {
  const all = handlersFor(services);
  const served = Object.fromEntries(ROUTES.filter((r) => concerns.includes(r.concern)).map((r) => [r.operationId, all[r.operationId]]));
  return routedApp(served, options);
}
