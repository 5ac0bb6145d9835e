import type { RunnelConfig } from '../../config.js';
import { createCore } from '../../core.js';
import { LeaseStore } from '../../groups/lease-store.js';
import { SubscriptionAdmin } from '../../subscriptions/subscription-admin.js';
import { SubscriptionStore } from '../../subscriptions/subscription-store.js';
import { TopicAdmin } from '../../topics/topic-admin.js';
import type { ConcernHandlers } from '../routes/handlers.js';
import { metaHandlers } from '../routes/meta.js';
import { subscriptionHandlers } from '../routes/subscriptions.js';
import { topicHandlers } from '../routes/topics.js';

/**
 * The admin function's routes: topics, push subscriptions, the OpenAPI document and health. On AWS a
 * deleted topic is purged by the maintenance schedule, and the log table's stream wakes the dispatcher
 * for a new subscription, so neither the purge nor the dispatcher (nor its Lambda client) is wired here.
 */
export function adminFunction(config: RunnelConfig): ConcernHandlers<'admin'> {
  const { clients, heads, log, topics } = createCore(config, { log: { cacheAppends: false } });
  const topicAdmin = new TopicAdmin(topics);
  const subscriptions = new SubscriptionAdmin({
    store: new SubscriptionStore(clients.dynamo, config.groupsTable),
    leases: new LeaseStore(clients.dynamo, config.groupsTable),
    topics,
    topicAdmin,
    heads,
    log,
    wake: () => {},
  });
  return { ...topicHandlers({ admin: topicAdmin }), ...subscriptionHandlers({ subscriptions: { admin: subscriptions } }), ...metaHandlers() };
}
