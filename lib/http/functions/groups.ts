import type { RunnelConfig } from '../../config.js';
import { createCore } from '../../core.js';
import { groupsOf } from '../../groups/groups.js';
import { SubscriptionStore } from '../../subscriptions/subscription-store.js';
import { groupHandlers } from '../routes/groups.js';
import type { ConcernHandlers } from '../routes/handlers.js';

/**
 * The groups function's routes: the coordinator and the group admin. Only a reset of offsets to a
 * timestamp reads the log's segments, so the S3 client is built then, if ever. The one thing it asks of
 * subscriptions is whether a group is one, which the subscription store answers.
 */
export function groupsFunction(config: RunnelConfig): ConcernHandlers<'groups'> {
  const core = createCore(config, { log: { cacheAppends: false } });
  return groupHandlers({ groups: groupsOf(core, new SubscriptionStore(core.clients.dynamo, config.groupsTable)) });
}
