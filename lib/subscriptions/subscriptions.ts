import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunnelConfig } from '../config.js';
import { LeaseStore } from '../groups/lease-store.js';
import type { HeadStore } from '../log/head-store.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { TopicAdmin } from '../topics/topic-admin.js';
import type { TopicStore } from '../topics/topic-store.js';
import { Dispatcher, type DeadLetterWriter, type DispatcherOptions } from './dispatcher.js';
import { SubscriptionAdmin } from './subscription-admin.js';
import { SubscriptionStore } from './subscription-store.js';
import { createLambdaClient } from './targets/lambda-client.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';

export interface Subscriptions {
  admin: SubscriptionAdmin;
  dispatcher: Dispatcher;
  store: SubscriptionStore;
}

export interface SubscriptionsDeps {
  config: RunnelConfig;
  dynamo: DynamoDBClient;
  topics: TopicStore;
  topicAdmin: TopicAdmin;
  heads: HeadStore;
  log: PartitionLog;
  deadLetter: DeadLetterWriter;
  clock?: () => number;
  /** Deliver in this process when the admin creates or resumes a subscription (the local stack); on AWS the stream wakes the dispatcher. */
  dispatchInProcess: boolean;
  dispatcher?: Partial<DispatcherOptions>;
}

export function createSubscriptions(deps: SubscriptionsDeps): Subscriptions {
  const store = new SubscriptionStore(deps.dynamo, deps.config.groupsTable);
  const leases = new LeaseStore(deps.dynamo, deps.config.groupsTable);
  let lambda: LambdaClient | undefined;
  const dispatcher = new Dispatcher(
    {
      topics: deps.topics,
      log: deps.log,
      leases,
      store,
      deadLetter: deps.deadLetter,
      targets: {
        // The emulators' static credentials go only to a local Invoke endpoint; real functions get the default chain.
        lambda: () =>
          (lambda ??= createLambdaClient({
            region: deps.config.region,
            endpoint: deps.config.lambdaEndpoint,
            credentials: deps.config.lambdaEndpoint ? deps.config.credentials : undefined,
          })),
        // The server clock, which also dates retries: a Retry-After date is read against it.
        ...(deps.clock ? { now: deps.clock } : {}),
      },
      clock: deps.clock,
    },
    deps.dispatcher,
  );
  const admin = new SubscriptionAdmin({
    store,
    leases,
    topics: deps.topics,
    topicAdmin: deps.topicAdmin,
    heads: deps.heads,
    log: deps.log,
    wake: (partitions) => {
      if (deps.dispatchInProcess) void dispatcher.wake(partitions);
    },
    clock: deps.clock,
  });
  return { admin, dispatcher, store };
}
