import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Core } from '../core.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { SubscriptionStore } from '../subscriptions/subscription-store.js';
import type { TopicAutoCreation } from '../topics/auto-create.js';
import type { TopicStore } from '../topics/topic-store.js';
import { GroupAdmin } from './group-admin.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LeaseStore } from './lease-store.js';

export interface Groups {
  coordinator: GroupCoordinator;
  admin: GroupAdmin;
}

export function createGroups({
  dynamo,
  table,
  topics,
  autoCreate,
  log,
  clock = Date.now,
  isSubscription = async () => false,
}: {
  dynamo: DynamoDBClient;
  /** The groups table. */
  table: string;
  topics: TopicStore;
  /** A member's join creates the topics it subscribes to, when `auto.create.topics.enable` is on. */
  autoCreate?: TopicAutoCreation;
  log: PartitionLog;
  /** The server clock sessions and leases are judged by (G7). */
  clock?: (() => number) | undefined;
  /** Whether a group is a push subscription's. */
  isSubscription?: (group: string) => Promise<boolean>;
}): Groups {
  const store = new LeaseStore(dynamo, table);
  return { coordinator: new GroupCoordinator({ store, topics, autoCreate, clock, isSubscription }), admin: new GroupAdmin({ store, topics, log, clock, isSubscription }) };
}

/** A deployment's groups over its core; a group is a push subscription's when the subscription store has it. */
export const groupsOf = (core: Core, subscriptions: Pick<SubscriptionStore, 'get'>, clock?: () => number): Groups =>
  createGroups({
    dynamo: core.clients.dynamo,
    table: core.config.groupsTable,
    topics: core.topics,
    autoCreate: core.autoCreate,
    log: core.log,
    clock,
    isSubscription: async (group) => (await subscriptions.get(group)) !== undefined,
  });
