import { routeFor as matchRoute, routesOf, type ApiRoute, type Concern } from '../lib/contract/routes.js';

export type { ApiRoute } from '../lib/contract/routes.js';
/** The Lambda function that serves a route: the contract's `Concern`. */
export type FunctionConcern = Concern;

/**
 * Each concern's Lambda serves exactly these routes, straight from the contract's route table
 * (lib/contract/routes.ts). `/openapi.json` and `/health` ride on the admin function.
 */
export const ROUTES: Record<FunctionConcern, readonly ApiRoute[]> = {
  admin: routesOf('admin'),
  produce: routesOf('produce'),
  fetch: routesOf('fetch'),
  groups: routesOf('groups'),
};

/** The concern whose route matches a concrete request path, as API Gateway would pick it. */
export function routeFor(method: string, path: string): { concern: FunctionConcern; route: ApiRoute } | undefined {
  const route = matchRoute(method, path);
  return route && { concern: route.concern, route };
}
