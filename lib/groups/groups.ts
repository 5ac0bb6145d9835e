import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PartitionLog } from '../log/partition-log.js';
import type { TopicStore } from '../topics/topic-store.js';
import { GroupAdmin } from './group-admin.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LeaseStore } from './lease-store.js';

export interface Groups {
  coordinator: GroupCoordinator;
  admin: GroupAdmin;
}

export function createGroups(
  dynamo: DynamoDBClient,
  table: string,
  topics: TopicStore,
  log: PartitionLog,
  clock: () => number = Date.now,
  isSubscription: (group: string) => Promise<boolean> = async () => false,
): Groups {
  const store = new LeaseStore(dynamo, table);
  return { coordinator: new GroupCoordinator(store, topics, clock, isSubscription), admin: new GroupAdmin(store, topics, log, clock, isSubscription) };
}
