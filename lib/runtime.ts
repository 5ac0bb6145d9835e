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
import { TopicAdmin } from './topics/topic-admin.js';
import { purgeDeletedTopics } from './topics/topic-purge.js';
import { TopicStore } from './topics/topic-store.js';
import { logger } from './observability/logger.js';
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
  /** Purges the data of deleted topics (failures are logged and left for the next run); answers how many were purged. */
  purge(): Promise<number>;
  /** Purges deleted topics and applies retention: what the scheduled maintenance Lambda runs. */
  maintain(options?: MaintenanceOptions): Promise<MaintenanceReport>;
}

export interface ServicesOptions {
  clients?: StorageClients;
  log?: Partial<LogOptions>;
  /** Purge deleted topics in the background right after each delete (the local stack does; Lambda uses a schedule). */
  purgeOnDelete?: boolean;
  /** The server clock: consumer groups judge sessions and leases by it (G7), produce stamps and bounds timestamps by it; tests move it instead of waiting. */
  clock?: () => number;
}

/** Wires the services of one Runnel deployment. Module scope in Lambda, so caches live across invocations. */
export function createServices(config: RunnelConfig, options: ServicesOptions = {}): Services {
  const clients = options.clients ?? createStorageClients(config);
  const heads = new HeadStore(clients.dynamo, config.logTable);
  const segments = new SegmentStore(clients.s3, config.bucket);
  const log = new PartitionLog(heads, segments, new TailNotifier(), { ...DEFAULT_LOG_OPTIONS, ...options.log });
  const topics = new TopicStore(clients.dynamo, config.topicsTable, heads);
  const cleaner = new LogCleaner(heads, new CleanerStore(clients.dynamo, config.logTable), segments);
  let purging: Promise<unknown> = Promise.resolve();
  const purge = async () => (await purgeDeletedTopics(topics, heads, segments)).purged;
  const admin = new TopicAdmin(topics, () => {
    if (options.purgeOnDelete) purging = purging.then(purge).catch((error) => logger.error('purge of deleted topics failed', { error }));
  });
  return {
    config,
    clients,
    topics,
    admin,
    log,
    produce: new ProduceService(topics, log, options.clock),
    fetch: new FetchService(topics, log),
    groups: createGroups(clients.dynamo, config.groupsTable, topics, log, options.clock),
    purge,
    maintain: (maintenanceOptions) => runMaintenance({ topics, heads, log, segments, cleaner }, maintenanceOptions),
  };
}
