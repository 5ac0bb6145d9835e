import type { RunnelConfig } from '../config.js';
import { HeadStore } from '../log/head-store.js';
import { createStorageClients } from '../storage/clients.js';
import { TopicStore } from '../topics/topic-store.js';
import { wakeConnectHandler, type WakeConnectEvent, type WakeConnectResult } from './wake-connect.js';
import { WakeRegistrationStore } from './wake-registrations.js';

/**
 * The wake stage's `$connect` function (lambdas/wake-connect.ts): the topic store, the heads and the
 * registrations, over DynamoDB alone; it never reads a segment, so it never builds an S3 client.
 */
export function wakeConnectFunction(config: RunnelConfig): (event: WakeConnectEvent) => Promise<WakeConnectResult> {
  const { dynamo } = createStorageClients(config);
  const heads = new HeadStore(dynamo, config.logTable);
  return wakeConnectHandler({ topics: new TopicStore(dynamo, config.topicsTable, heads), heads, registrations: new WakeRegistrationStore(dynamo, config.groupsTable) });
}
