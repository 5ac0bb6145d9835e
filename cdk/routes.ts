/** The HTTP API's routes, by the Lambda that serves them. Paths use API Gateway's `{param}` syntax. */
export type FunctionConcern = 'admin' | 'produce' | 'fetch' | 'groups';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Operator-only: granted by `grantAdmin`, never by the per-topic or per-group grants. */
  operator?: true;
}

/**
 * Each concern's Lambda serves exactly these routes (test/cdk checks them against lib/http's OpenAPI
 * document and against the bundled handlers). `/openapi.json` and `/health` ride on the admin function.
 */
export const ROUTES: Record<FunctionConcern, readonly ApiRoute[]> = {
  admin: [
    { method: 'POST', path: '/v1/topics', operator: true },
    { method: 'GET', path: '/v1/topics', operator: true },
    { method: 'GET', path: '/v1/topics/{topic}' },
    { method: 'DELETE', path: '/v1/topics/{topic}', operator: true },
    { method: 'GET', path: '/openapi.json', operator: true },
    { method: 'GET', path: '/health', operator: true },
  ],
  produce: [{ method: 'POST', path: '/v1/topics/{topic}/records' }],
  fetch: [
    { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records' },
    { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/offsets' },
  ],
  groups: [
    { method: 'GET', path: '/v1/groups', operator: true },
    { method: 'GET', path: '/v1/groups/{group}' },
    { method: 'DELETE', path: '/v1/groups/{group}', operator: true },
    { method: 'POST', path: '/v1/groups/{group}/offsets', operator: true },
    { method: 'POST', path: '/v1/groups/{group}/commits' },
    { method: 'POST', path: '/v1/groups/{group}/members' },
    { method: 'POST', path: '/v1/groups/{group}/members/{member}/heartbeat' },
    { method: 'POST', path: '/v1/groups/{group}/members/{member}/release' },
    { method: 'DELETE', path: '/v1/groups/{group}/members/{member}' },
  ],
};

/** The concern whose route matches a concrete request path, as API Gateway would pick it. */
export function routeFor(method: string, path: string): { concern: FunctionConcern; route: ApiRoute } | undefined {
  for (const [concern, routes] of Object.entries(ROUTES) as Array<[FunctionConcern, readonly ApiRoute[]]>) {
    for (const route of routes) {
      const pattern = new RegExp('^' + route.path.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      if (route.method === method && pattern.test(path)) return { concern, route };
    }
  }
  return undefined;
}
