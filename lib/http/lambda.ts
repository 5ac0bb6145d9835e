import { handle } from 'hono/aws-lambda';
import { configFromEnv, type RunnelConfig } from '../config.js';
import { withDecodedBody } from './request-body.js';
import { routedApp } from './routed-app.js';
import type { Handlers } from './routes/handlers.js';

/** hono's API Gateway adapter, given each event with a base64 (binary) body decoded once, natively (lib/http/request-body.ts). */
export function apiGatewayHandler(app: Parameters<typeof handle>[0]): ReturnType<typeof handle> {
  const handler = handle(app);
  return ((event, context) => handler(withDecodedBody(event), context)) as ReturnType<typeof handle>;
}

/**
 * An API Gateway (HTTP API, payload v2) handler serving one concern: `wire` builds its routes' handlers
 * over the services they use (lib/http/functions), so the function's bundle holds no other concern's
 * routes, schemas or clients. Built at module scope, so the SDK clients and the segment and index caches
 * live across warm invocations.
 */
export function lambdaHandler(wire: (config: RunnelConfig) => Partial<Handlers>) {
  return apiGatewayHandler(routedApp(wire(configFromEnv())));
}
