import type { RunnelConfig } from './config.js';
import { HeadStore } from './log/head-store.js';
import { DEFAULT_LOG_OPTIONS, PartitionLog, type LogOptions } from './log/partition-log.js';
import { SegmentStore } from './log/segment-store.js';
import { TailNotifier } from './log/tail-notifier.js';
import { createStorageClients, type StorageClients } from './storage/clients.js';
import { TopicAutoCreation } from './topics/auto-create.js';
import { TopicStore } from './topics/topic-store.js';

/**
 * What every part of Runnel stands on: the storage clients, the partition log over its heads (DynamoDB)
 * and segments (S3), and the topic store. Each Lambda function wires its own services on top of this and
 * nothing else (lib/http/functions), so its bundle carries only what its routes use; `createServices`
 * (lib/runtime.ts) wires all of them for the local server, the tests and the scheduled functions.
 */
export interface Core {
  config: RunnelConfig;
  clients: StorageClients;
  heads: HeadStore;
  segments: SegmentStore;
  notifier: TailNotifier;
  log: PartitionLog;
  topics: TopicStore;
  /** Kafka's `auto.create.topics.enable`, for produce and a group member's join. */
  autoCreate: TopicAutoCreation;
}

export interface CoreOptions {
  clients?: StorageClients;
  log?: Partial<LogOptions>;
}

export function createCore(config: RunnelConfig, options: CoreOptions = {}): Core {
  const clients = options.clients ?? createStorageClients(config);
  const heads = new HeadStore(clients.dynamo, config.logTable);
  // The S3 client is built by the first segment read or write: a function whose requests never reach one never builds it.
  const segments = new SegmentStore(() => clients.s3, config.bucket);
  const notifier = new TailNotifier();
  const log = new PartitionLog({ heads, segments, notifier, options: { ...DEFAULT_LOG_OPTIONS, ...options.log } });
  const topics = new TopicStore(clients.dynamo, config.topicsTable, heads);
  const autoCreate = new TopicAutoCreation(topics, config.autoCreateTopics?.numPartitions);
  return { config, clients, heads, segments, notifier, log, topics, autoCreate };
}
