/**
 * The HTTP API's route table: each route once. The Hono app mounts from it, the CDK construct routes
 * and grants from it, the OpenAPI document lists it, and the client builds its paths from it.
 */

/** The Lambda function that serves a route; the local server serves them all. */
export type Concern = 'admin' | 'produce' | 'fetch' | 'groups';
export const CONCERNS: readonly Concern[] = ['admin', 'produce', 'fetch', 'groups'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRoute {
  method: HttpMethod;
  /** API Gateway's syntax: `/v1/topics/{topic}`. */
  path: string;
  concern: Concern;
  /** Operator-only: granted by `grantAdmin`, never by the per-topic or per-group grants. */
  operator?: true;
  /** The OpenAPI operationId, and the name a generated client gives the call. */
  operationId: string;
  /** Takes its body as CBOR (`application/cbor`) as well as JSON: the produce body, whose records' bytes CBOR carries as they are. */
  cbor?: true;
}

/** RFC 8949's media type: a CBOR request body (docs/produce-cbor.md). */
export const CBOR_CONTENT_TYPE = 'application/cbor';

export const ROUTES = [
  { operationId: 'createTopic', method: 'POST', path: '/v1/topics', concern: 'admin', operator: true },
  { operationId: 'listTopics', method: 'GET', path: '/v1/topics', concern: 'admin', operator: true },
  { operationId: 'describeTopic', method: 'GET', path: '/v1/topics/{topic}', concern: 'admin' },
  { operationId: 'deleteTopic', method: 'DELETE', path: '/v1/topics/{topic}', concern: 'admin', operator: true },
  { operationId: 'createPartitions', method: 'POST', path: '/v1/topics/{topic}/partitions', concern: 'admin', operator: true },
  { operationId: 'alterTopicConfig', method: 'PATCH', path: '/v1/topics/{topic}/config', concern: 'admin', operator: true },
  { operationId: 'getOpenApiDocument', method: 'GET', path: '/openapi.json', concern: 'admin', operator: true },
  { operationId: 'health', method: 'GET', path: '/health', concern: 'admin', operator: true },
  { operationId: 'produceRecords', method: 'POST', path: '/v1/topics/{topic}/records', concern: 'produce', cbor: true },
  { operationId: 'fetchRecords', method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records', concern: 'fetch' },
  { operationId: 'fetchPartitions', method: 'POST', path: '/v1/topics/{topic}/fetch', concern: 'fetch' },
  { operationId: 'lookupOffset', method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/offsets', concern: 'fetch' },
  // Where an idle member's wake socket is (lib/contract/wake.ts); the local server also upgrades this path to it.
  { operationId: 'wakeChannel', method: 'GET', path: '/v1/topics/{topic}/wake', concern: 'fetch' },
  { operationId: 'listGroups', method: 'GET', path: '/v1/groups', concern: 'groups', operator: true },
  { operationId: 'describeGroup', method: 'GET', path: '/v1/groups/{group}', concern: 'groups' },
  { operationId: 'deleteGroup', method: 'DELETE', path: '/v1/groups/{group}', concern: 'groups', operator: true },
  { operationId: 'resetGroupOffsets', method: 'POST', path: '/v1/groups/{group}/offsets', concern: 'groups', operator: true },
  { operationId: 'commitOffsets', method: 'POST', path: '/v1/groups/{group}/commits', concern: 'groups' },
  { operationId: 'joinGroup', method: 'POST', path: '/v1/groups/{group}/members', concern: 'groups' },
  { operationId: 'heartbeat', method: 'POST', path: '/v1/groups/{group}/members/{member}/heartbeat', concern: 'groups' },
  { operationId: 'releasePartitions', method: 'POST', path: '/v1/groups/{group}/members/{member}/release', concern: 'groups' },
  { operationId: 'leaveGroup', method: 'DELETE', path: '/v1/groups/{group}/members/{member}', concern: 'groups' },
  // Push subscriptions are served by the admin function: creating one creates its dead-letter topic and
  // marks the topic's partition heads, writes that function already makes for topics.
  { operationId: 'createSubscription', method: 'POST', path: '/v1/subscriptions', concern: 'admin', operator: true },
  { operationId: 'listSubscriptions', method: 'GET', path: '/v1/subscriptions', concern: 'admin', operator: true },
  { operationId: 'describeSubscription', method: 'GET', path: '/v1/subscriptions/{name}', concern: 'admin' },
  { operationId: 'updateSubscription', method: 'PATCH', path: '/v1/subscriptions/{name}', concern: 'admin', operator: true },
  { operationId: 'deleteSubscription', method: 'DELETE', path: '/v1/subscriptions/{name}', concern: 'admin', operator: true },
] as const satisfies readonly ApiRoute[];

export type OperationId = (typeof ROUTES)[number]['operationId'];
type RouteOf<Id extends OperationId> = Extract<(typeof ROUTES)[number], { operationId: Id }>;

type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never;
/** The path parameters an operation needs: `{ topic, partition }` for `fetchRecords`. */
export type PathParams<Id extends OperationId> = Record<ParamNames<RouteOf<Id>['path']>, string | number>;

const byId = new Map<string, ApiRoute>(ROUTES.map((r) => [r.operationId, r]));

export function routeOf<Id extends OperationId>(operationId: Id): RouteOf<Id> {
  return byId.get(operationId) as RouteOf<Id>;
}

/** The routes one Lambda function serves. */
export const routesOf = (concern: Concern): ApiRoute[] => ROUTES.filter((r) => r.concern === concern);

/** A request path for an operation, each parameter percent-encoded: `pathOf('describeTopic', { topic: 'a b' })` → `/v1/topics/a%20b`. */
export function pathOf<Id extends OperationId>(operationId: Id, params: PathParams<Id>): string {
  const values = params as Record<string, string | number>;
  return routeOf(operationId).path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(values[name])));
}

const patterns = new Map<ApiRoute, RegExp>(ROUTES.map((r) => [r, new RegExp('^' + r.path.replace(/\{[^}]+\}/g, '[^/]+') + '$')]));

/** The route that matches a concrete request, as API Gateway would pick it. */
export function routeFor(method: string, path: string): ApiRoute | undefined {
  return ROUTES.find((r) => r.method === method && patterns.get(r)!.test(path));
}

/**
 * The methods the route table serves on a concrete path, whichever concern serves them: the `Allow`
 * of a 405. Empty when no route has the path.
 */
export function methodsFor(path: string): HttpMethod[] {
  return [...new Set(ROUTES.filter((r) => patterns.get(r)!.test(path)).map((r) => r.method))];
}
