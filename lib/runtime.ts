import type { RunnelConfig } from './config.js';
import { FetchService } from './fetch/fetch-service.js';
import { createGroups, type Groups } from './groups/groups.js';
import { CleanerStore } from './log/cleaner-store.js';
import { HeadStore } from './log/head-store.js';
import { LogCleaner } from './log/log-cleaner.js';
import { DEFAULT_LOG_OPTIONS, PartitionLog, type LogOptions } from './log/partition-log.js';
import { SegmentStore } from './log/segment-store.js';
import { TailNotifier } from './log/tail-notifier.js';
import { ProduceService } from './produce/produce-service.js';
import { createStorageClients, type StorageClients } from './storage/clients.js';
import { TopicAutoCreation } from './topics/auto-create.js';
import { TopicAdmin } from './topics/topic-admin.js';
import { purgeDeletedTopics } from './topics/topic-purge.js';
import { TopicStore } from './topics/topic-store.js';
import { logger } from './observability/logger.js';
import { createSubscriptions, type Subscriptions } from './subscriptions/subscriptions.js';
import type { DispatcherOptions } from './subscriptions/dispatcher.js';
import { runMaintenance, type MaintenanceOptions, type MaintenanceReport } from './maintenance/maintenance.js';

/** The server side of one deployment: its stores and services. (The client's `Runnel` is another thing.) */
export interface Services {
  config: RunnelConfig;
  clients: StorageClients;
  topics: TopicStore;
  admin: TopicAdmin;
  log: PartitionLog;
  produce: ProduceService;
  fetch: FetchService;
  groups: Groups;
  subscriptions: Subscriptions;
  /** Purges the data of deleted topics (failures are logged and left for the next run); answers how many were purged. */
  purge(): Promise<number>;
  /**
   * Purges deleted topics, applies retention, and resumes push-subscription retries that are due (and
   * partitions left with records and no delivery under way): what the scheduled maintenance Lambda runs.
   */
  maintain(options?: MaintenanceOptions): Promise<MaintenanceReport & { subscriptionPartitionsResumed: number }>;
}

export interface ServicesOptions {
  clients?: StorageClients;
  log?: Partial<LogOptions>;
  /** Purge deleted topics in the background right after each delete (the local stack does; Lambda uses a schedule). */
  purgeOnDelete?: boolean;
  /** The server clock: consumer groups judge sessions and leases by it (G7), produce stamps and bounds timestamps by it; tests move it instead of waiting. */
  clock?: () => number;
  /**
   * Deliver push subscriptions in this process, woken by each local commit (the local stack). On AWS
   * the log table's stream wakes a dispatcher function instead.
   */
  dispatchInProcess?: boolean;
  dispatcher?: Partial<DispatcherOptions>;
  /**
   * Whether `maintain()` resumes push subscriptions whose retries are due (default: with
   * dispatchInProcess). A deployment turns it on for the function whose role may read the groups table
   * and invoke the targets.
   */
  resumeSubscriptions?: boolean;
}

/** Wires the services of one Runnel deployment. Module scope in Lambda, so caches live across invocations. */
export function createServices(config: RunnelConfig, options: ServicesOptions = {}): Services {
  const clients = options.clients ?? createStorageClients(config);
  const heads = new HeadStore(clients.dynamo, config.logTable);
  const segments = new SegmentStore(clients.s3, config.bucket);
  const notifier = new TailNotifier();
  const log = new PartitionLog({ heads, segments, notifier, options: { ...DEFAULT_LOG_OPTIONS, ...options.log } });
  const topics = new TopicStore(clients.dynamo, config.topicsTable, heads);
  const cleaner = new LogCleaner(heads, new CleanerStore(clients.dynamo, config.logTable), segments);
  let purging: Promise<unknown> = Promise.resolve();
  const purge = async () => (await purgeDeletedTopics({ topics, heads, segments })).purged;
  const admin = new TopicAdmin(topics, () => {
    if (options.purgeOnDelete) purging = purging.then(purge).catch((error) => logger.error('purge of deleted topics failed', { error }));
  });
  const autoCreate = new TopicAutoCreation(topics, config.autoCreateTopics?.numPartitions);
  const produce = new ProduceService({ topics, log, autoCreate, clock: options.clock });
  const subscriptions = createSubscriptions({
    config,
    dynamo: clients.dynamo,
    topics,
    topicAdmin: admin,
    heads,
    log,
    deadLetter: async (topic, record) => void (await produce.produce(topic, { records: [record] }, { deadLetter: true })),
    clock: options.clock,
    dispatchInProcess: options.dispatchInProcess ?? false,
    dispatcher: { timers: options.dispatchInProcess ?? false, ...options.dispatcher },
  });
  if (options.dispatchInProcess) {
    notifier.onAppend((pk, head) => {
      // A head nobody subscribes to wakes nothing, and costs no read.
      if (head && head.subscribers.length === 0) return;
      const cut = pk.lastIndexOf('#');
      void subscriptions.dispatcher.wake([{ topicId: pk.slice(0, cut), partition: Number(pk.slice(cut + 1)), head }]);
    });
  }
  return {
    config,
    clients,
    topics,
    admin,
    log,
    produce,
    subscriptions,
    fetch: new FetchService(topics, log),
    groups: createGroups({
      dynamo: clients.dynamo,
      table: config.groupsTable,
      topics,
      autoCreate,
      log,
      clock: options.clock,
      isSubscription: async (group) => (await subscriptions.store.get(group)) !== undefined,
    }),
    purge,
    maintain: async (maintenanceOptions) => {
      const report = await runMaintenance({ topics, heads, log, segments, cleaner }, maintenanceOptions);
      const resume = options.resumeSubscriptions ?? options.dispatchInProcess ?? false;
      const subscriptionPartitionsResumed = !resume
        ? 0
        : await subscriptions.dispatcher.resumeDue().catch((error) => {
            logger.error('resuming subscriptions failed', { error });
            return 0;
          });
      return { ...report, subscriptionPartitionsResumed };
    },
  };
}
