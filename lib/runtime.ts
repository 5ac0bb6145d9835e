import type { RunnelConfig } from './config.js';
import { createCore, type CoreOptions } from './core.js';
import { FetchService } from './fetch/fetch-service.js';
import { groupsOf, type Groups } from './groups/groups.js';
import { CleanerStore } from './log/cleaner-store.js';
import { LogCleaner } from './log/log-cleaner.js';
import type { PartitionLog } from './log/partition-log.js';
import { ProduceService } from './produce/produce-service.js';
import type { StorageClients } from './storage/clients.js';
import { TopicAdmin } from './topics/topic-admin.js';
import { purgeDeletedTopics } from './topics/topic-purge.js';
import type { TopicStore } from './topics/topic-store.js';
import { logger } from './observability/logger.js';
import { createSubscriptions, type Subscriptions } from './subscriptions/subscriptions.js';
import type { DispatcherOptions } from './subscriptions/dispatcher.js';
import { WakeHub } from './wake/wake-hub.js';
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
  /** The wake sockets this process serves (a local server's); every local commit wakes its watchers. */
  wake: WakeHub;
  /** Purges the data of deleted topics (failures are logged and left for the next run); answers how many were purged. */
  purge(): Promise<number>;
  /**
   * Purges deleted topics, applies retention, and resumes push-subscription retries that are due (and
   * partitions left with records and no delivery under way): what the scheduled maintenance Lambda runs.
   */
  maintain(options?: MaintenanceOptions): Promise<MaintenanceReport & { subscriptionPartitionsResumed: number }>;
}

export interface ServicesOptions extends CoreOptions {
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

/**
 * Wires every service of one Runnel deployment: the local server, the tests and the bench, and the
 * scheduled and stream-driven Lambda functions. The API's functions wire only their own
 * (lib/http/functions). Module scope in Lambda, so caches live across invocations.
 */
export function createServices(config: RunnelConfig, options: ServicesOptions = {}): Services {
  const core = createCore(config, options);
  const { clients, heads, segments, notifier, log, topics, autoCreate } = core;
  const cleaner = new LogCleaner({ heads, cleaner: new CleanerStore(clients.dynamo, config.logTable), segments, rollTailAt: log.rollThreshold });
  let purging: Promise<unknown> = Promise.resolve();
  const purge = async () => (await purgeDeletedTopics({ topics, heads, segments })).purged;
  const admin = new TopicAdmin(topics, () => {
    if (options.purgeOnDelete) purging = purging.then(purge).catch((error) => logger.error('purge of deleted topics failed', { error }));
  });
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
  const wake = new WakeHub();
  notifier.onAppend((pk) => {
    const cut = pk.lastIndexOf('#');
    wake.notify(pk.slice(0, cut), Number(pk.slice(cut + 1)));
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
    wake,
    fetch: new FetchService(topics, log),
    groups: groupsOf(core, subscriptions.store, options.clock),
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
