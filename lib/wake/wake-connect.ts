import { wakeQuerySchema } from '../api/wake-query.js';
import { parseOrThrow } from '../api/validation.js';
import * as z from '../api/zod.js';
import { badRequest, isRunnelError, notFound } from '../errors.js';
import type { HeadStore } from '../log/head-store.js';
import { logger } from '../observability/logger.js';
import { topicNameSchema } from '../topics/topic-name.js';
import type { TopicStore } from '../topics/topic-store.js';
import { resolveWatch } from './resolve-watch.js';
import type { WakeRegistration } from './wake-hub.js';
import type { SocketRegistration, WakeRegistrationStore } from './wake-registrations.js';

/**
 * API Gateway closes a WebSocket after 10 idle minutes (the client renews its own after 9,
 * WAKE_SOCKET_MAX_AGE_MS): a registration and its marks outlive that by a minute, so a socket that is
 * still open is never taken for gone, and one that was dropped without a word stops counting soon after.
 */
export const REGISTRATION_TTL_MS = 11 * 60_000;

/** What API Gateway hands a WebSocket API's `$connect` integration, as far as it is read here. */
export interface WakeConnectEvent {
  requestContext: { connectionId: string };
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
}

/** A 2xx accepts the connection; any other status refuses it, and the client sees that status. */
export interface WakeConnectResult {
  statusCode: number;
  body?: string;
}

/** The socket URL's query: the wake route's `topic` (lib/http/routes/fetch.ts) and the client's `partitions`. */
const connectQuerySchema = z.strictObject({ topic: topicNameSchema, ...wakeQuerySchema.shape });

/** SigV4's query parameters (a presigned URL's X-Amz-Algorithm, -Credential, -Signature…): API Gateway checked them. */
const isSignature = (name: string) => /^x-amz-/i.test(name);

/** The query as one value per name, without the signature; a name given twice is refused, as the HTTP routes refuse it. */
function queryOf(event: WakeConnectEvent): Record<string, string> {
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (!isSignature(name) && (values?.length ?? 0) > 1) throw badRequest('invalid_request', `${name}: given ${values!.length} times; give it once`, { field: name });
  }
  return Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => !isSignature(e[0]) && e[1] !== undefined));
}

export interface WakeConnectDeps {
  topics: TopicStore;
  heads: HeadStore;
  registrations: WakeRegistrationStore;
  clock?: () => number;
}

/**
 * Registers a wake socket as API Gateway opens it (the `$connect` route): one registration item listing
 * its partitions, then a mark on each watched partition's head (HeadStore.markWatched), so that the log
 * table's stream passes their commits to the wake notifier, which wakes the socket. In that order: a mark
 * that a commit's wake can see always has its registration written already. The socket opens only once
 * both are written, and the client's catch-up fetch comes after that, so a commit is either in that
 * fetch or finds the socket registered. 1 + (partitions watched) writes, all single-item.
 */
export async function registerWakeSocket(deps: WakeConnectDeps, connectionId: string, query: Record<string, string>): Promise<SocketRegistration> {
  const { topic, partitions } = parseOrThrow(connectQuerySchema, query);
  return recordWatch(deps, connectionId, await resolveWatch(deps.topics, topic, partitions));
}

/** The writes of a `$connect` once its watch is resolved: the registration, then the marks (the bench prices them). */
export async function recordWatch(deps: Omit<WakeConnectDeps, 'topics'>, connectionId: string, watch: WakeRegistration): Promise<SocketRegistration> {
  const now = (deps.clock ?? Date.now)();
  const registration: SocketRegistration = { connectionId, ...watch, registeredAt: now, expiresAt: now + REGISTRATION_TTL_MS };
  await deps.registrations.register(registration);
  const marked = await Promise.all(watch.partitions.map((p) => deps.heads.markWatched({ pk: `${watch.topicId}#${p}`, until: registration.expiresAt, by: connectionId })));
  // A head that refuses the mark belongs to a topic deleted meanwhile: nothing will ever commit there.
  if (marked.includes(false)) throw notFound('unknown_topic', `topic "${watch.topic}" was deleted`);
  return registration;
}

/** The `$connect` integration: a registered socket is accepted; bad input is refused with the API's error body. */
export function wakeConnectHandler(deps: WakeConnectDeps): (event: WakeConnectEvent) => Promise<WakeConnectResult> {
  return async (event) => {
    try {
      await registerWakeSocket(deps, event.requestContext.connectionId, queryOf(event));
      return { statusCode: 200 };
    } catch (error) {
      // Anything else (storage failing) is thrown: API Gateway refuses the socket, and the client polls and tries again later.
      if (!isRunnelError(error)) throw error;
      logger.info('wake socket refused', { status: error.status, code: error.code, message: error.message });
      return { statusCode: error.status, body: JSON.stringify(error.toJSON()) };
    }
  };
}
