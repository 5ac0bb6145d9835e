import type { MultiFetchResponse, OffsetResponse } from '../contract/fetch.js';
import type { GroupDescription, GroupList } from '../contract/groups.js';
import type { ProduceResponse } from '../contract/records.js';
import { pathOf, routeOf, type ApiRoute, type PathParams } from '../contract/routes.js';
import type { SubscriptionDescription, SubscriptionInfo, SubscriptionList } from '../contract/subscriptions.js';
import type { TopicDescription, TopicList, TopicView } from '../contract/topics.js';

/** The operations the console calls, and what each answers (the contract's types). */
interface Answers {
  listTopics: TopicList;
  describeTopic: TopicDescription;
  createTopic: TopicView;
  produceRecords: ProduceResponse;
  fetchPartitions: MultiFetchResponse;
  lookupOffset: OffsetResponse;
  listGroups: GroupList;
  describeGroup: GroupDescription;
  listSubscriptions: SubscriptionList;
  describeSubscription: SubscriptionDescription;
  updateSubscription: SubscriptionInfo;
}

/** An answer that is not a success: the API's `{"error":{"code","message","field?"}}`, or what the page could make of anything else. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

async function decodeError(res: Response, what: string): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      return new ApiError(res.status, error.code, error.message, typeof error.field === 'string' ? error.field : undefined);
    }
  } catch {
    // not the API's JSON: a proxy's or gateway's page, said as text below
  }
  return new ApiError(res.status, `http_${res.status}`, `${what}: HTTP ${res.status} ${res.statusText}${text ? `: ${text.trim().slice(0, 200)}` : ''}`);
}

/**
 * One call of the HTTP API, by its operationId in the contract's route table. The page talks to its
 * own origin: the dev server, or `runnel console`, which passes the call on (signed) to the API.
 */
export async function call<Id extends keyof Answers>(operationId: Id, params: PathParams<Id>, options: CallOptions = {}): Promise<Answers[Id]> {
  const route: ApiRoute = routeOf(operationId);
  const url = new URL(pathOf(operationId, params), location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  const what = `${route.method} ${url.pathname}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: route.method,
      headers: options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', `${what}: the server did not answer (${(error as Error).message}); is it still running?`);
  }
  if (!res.ok) throw await decodeError(res, what);
  return (await res.json()) as Answers[Id];
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Each item with its own describe call's answer, or that call's error: one missing item does not hide the others. */
export function describeEach<T, D>(items: T[], describe: (item: T) => Promise<D>): Promise<Array<{ item: T; description?: D; error?: unknown }>> {
  return Promise.all(
    items.map((item) =>
      describe(item).then(
        (description) => ({ item, description }),
        (error: unknown) => ({ item, error }),
      ),
    ),
  );
}
