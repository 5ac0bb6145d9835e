import { randomBytes } from 'node:crypto';
import type {
  CreateSubscriptionRequest,
  SubscriptionDescription,
  SubscriptionInfo,
  SubscriptionPartition,
  UpdateSubscriptionRequest,
} from '../contract/subscriptions.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { committedOffsetOf, type LeaseStore } from '../groups/lease-store.js';
import type { HeadStore } from '../log/head-store.js';
import { partitionKey, type PartitionLog } from '../log/partition-log.js';
import type { TopicAdmin } from '../topics/topic-admin.js';
import type { Topic, TopicStore } from '../topics/topic-store.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import { defaultDeadLetterTopic, settingsOf, SUBSCRIPTION_DEFAULTS, type Subscription } from './subscription.js';
import type { SubscriptionStore } from './subscription-store.js';
import type { TargetSpec } from './targets/index.js';

export interface SubscriptionAdminDeps {
  store: SubscriptionStore;
  leases: LeaseStore;
  topics: TopicStore;
  topicAdmin: TopicAdmin;
  heads: HeadStore;
  log: PartitionLog;
  /** Called when records may be waiting for a subscription: created from earliest, resumed. Locally, the dispatcher's wake. */
  wake: (partitions: Array<{ topic: string; partition: number }>) => void;
  clock?: () => number;
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

function info(s: Subscription, showSecret = false): SubscriptionInfo {
  const target =
    s.target.type === 'webhook'
      ? { type: 'webhook' as const, url: s.target.url, ...(s.target.timeoutMs === undefined ? {} : { timeoutMs: s.target.timeoutMs }), ...(showSecret ? { secret: s.target.secret } : {}) }
      : { type: 'lambda' as const, functionArn: s.target.functionArn };
  return { name: s.name, topic: s.topic, ...settingsOf(s), target, state: s.state, createdAt: s.createdAt };
}

/**
 * Creating, listing, describing, changing and deleting push subscriptions. Takes typed input: the
 * route validates it. A subscription is the consumer group of the same name: its offsets are the
 * group's committed offsets and its leases the group's leases (S7).
 */
export class SubscriptionAdmin {
  private readonly clock: () => number;

  constructor(private readonly deps: SubscriptionAdminDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  private async existing(name: string): Promise<Subscription> {
    const sub = await this.deps.store.get(name);
    if (!sub) throw notFound('unknown_subscription', `subscription "${name}" does not exist`);
    return sub;
  }

  /**
   * Marks (or unmarks) every head of the topic, including heads an increase adds meanwhile. An increase
   * copies partition 0's marks to its new heads after it raised the count, and this reads the count
   * again after marking partition 0: whichever comes second sees the other's write, so no new head is
   * left unmarked (its commits would wake no dispatcher on AWS).
   */
  private async mark(sub: Subscription, topic: Topic, subscribed: boolean): Promise<void> {
    const now = this.clock();
    let marked = 0;
    for (let partitions = topic.partitions; marked < partitions; ) {
      for (; marked < partitions; marked++) {
        await this.deps.heads.markSubscriber({ pk: partitionKey({ topicId: topic.topicId, partition: marked }), subscription: sub.name, subscribed, now });
      }
      const fresh = await this.deps.topics.find(topic.name, true);
      if (fresh?.topicId === topic.topicId) partitions = fresh.partitions;
    }
  }

  private wakeAll(topic: Topic): void {
    this.deps.wake(Array.from({ length: topic.partitions }, (_, partition) => ({ topic: topic.name, partition })));
  }

  async create(req: CreateSubscriptionRequest): Promise<SubscriptionInfo> {
    const { store, topics } = this.deps;
    const topic = await topics.get(req.topic);
    const deadLetterTopic = req.deadLetterTopic ?? defaultDeadLetterTopic(req.name);
    if (deadLetterTopic === topic.name) {
      throw badRequest('invalid_dead_letter_topic', 'deadLetterTopic: must not be the subscribed topic (a failing record would come back forever)', { field: 'deadLetterTopic' });
    }
    if (await store.get(req.name)) throw conflict('subscription_exists', `subscription "${req.name}" already exists`);
    if (await store.groupExists(req.name)) {
      throw conflict('group_exists', `a consumer group named "${req.name}" exists; a subscription is a group of its own name, so choose another`);
    }
    const target: TargetSpec = req.target.type === 'webhook' ? { ...req.target, secret: req.target.secret ?? newSecret() } : req.target;
    const sub: Subscription = {
      name: req.name,
      topic: topic.name,
      topicId: topic.topicId,
      target,
      batchSize: req.batchSize ?? SUBSCRIPTION_DEFAULTS.batchSize,
      maxBatchingWindowMs: req.maxBatchingWindowMs ?? SUBSCRIPTION_DEFAULTS.maxBatchingWindowMs,
      startPosition: req.startPosition ?? 'latest',
      maxAttempts: req.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      backoff: { ...DEFAULT_RETRY_POLICY.backoff, ...req.backoff },
      deadLetterTopic,
      state: 'active',
      createdAt: this.clock(),
      version: 1,
    };
    await this.ensureDeadLetterTopic(deadLetterTopic);
    // Offsets first: the dispatcher may run as soon as the heads are marked, and must start where asked.
    await this.setStartOffsets(sub, topic);
    if (!(await store.create(sub))) throw conflict('subscription_exists', `subscription "${req.name}" already exists`);
    await this.mark(sub, topic, true);
    if (sub.startPosition !== 'latest') this.wakeAll(topic);
    return info(sub, true);
  }

  private async ensureDeadLetterTopic(name: string): Promise<void> {
    if (await this.deps.topics.find(name, true)) return;
    try {
      await this.deps.topicAdmin.create({ name, partitions: 1 });
    } catch (e) {
      // Created meanwhile by someone else: as good.
      if ((e as { status?: number }).status !== 409) throw e;
    }
  }

  private async setStartOffsets(sub: Subscription, topic: Topic): Promise<void> {
    const states = await this.deps.topics.partitionStates(topic);
    const now = this.clock();
    for (const s of states) {
      const start = sub.startPosition;
      const offset =
        start === 'earliest'
          ? s.logStartOffset
          : start === 'latest'
            ? s.highWatermark
            : await this.deps.log.offsetForTimestamp({ topicId: topic.topicId, partition: s.partition }, start.timestamp);
      await this.deps.leases.resetOffset({ group: sub.name, tp: { topic: topic.name, partition: s.partition }, offset, now, topicId: topic.topicId });
    }
  }

  async list(): Promise<{ subscriptions: SubscriptionInfo[] }> {
    return { subscriptions: (await this.deps.store.list()).map((s) => info(s)) };
  }

  async describe(name: string): Promise<SubscriptionDescription> {
    const sub = await this.existing(name);
    const now = this.clock();
    const topic = await this.deps.topics.find(sub.topic);
    const live = topic && topic.topicId === sub.topicId ? topic : undefined;
    const states = live ? await this.deps.topics.partitionStates(live) : [];
    const deliveries = new Map((await this.deps.store.deliveries(name)).map((d) => [d.partition, d]));
    const partitions: SubscriptionPartition[] = [];
    for (const s of states) {
      const d = deliveries.get(s.partition);
      const committed = committedOffsetOf(d, live!.topicId) ?? null;
      const from = committed ?? s.logStartOffset;
      const lag = Math.max(0, s.highWatermark - Math.max(from, s.logStartOffset));
      partitions.push({
        partition: s.partition,
        committedOffset: committed,
        highWatermark: s.highWatermark,
        lag,
        oldestUndeliveredAgeMs: lag > 0 ? await this.oldestAge({ topic: live!, partition: s.partition, offset: Math.max(from, s.logStartOffset), now }) : null,
        attempts: d?.attempts ?? 0,
        lastError: d?.lastError ?? null,
        nextAttemptAt: d?.nextAttemptAt ?? null,
        deadLettered: d?.deadLettered ?? 0,
        expiredUndelivered: d?.expiredUndelivered ?? 0,
        delivering: d?.owner !== undefined && (d.expiresAt ?? 0) > now,
      });
    }
    return { ...info(sub), partitions };
  }

  /** The age of the record at `offset`, the oldest one not delivered. */
  private async oldestAge({ topic, partition, offset, now }: { topic: Topic; partition: number; offset: number; now: number }): Promise<number | null> {
    try {
      const page = await this.deps.log.read({ topicId: topic.topicId, partition }, offset, { limit: 1, maxBytes: 1, waitMs: 0 });
      const record = page.records[0];
      return record ? Math.max(0, now - record.timestamp) : null;
    } catch {
      return null;
    }
  }

  async update(name: string, req: UpdateSubscriptionRequest): Promise<SubscriptionInfo> {
    const sub = await this.existing(name);
    const target: TargetSpec | undefined =
      req.target === undefined
        ? undefined
        : req.target.type === 'webhook'
          ? { ...req.target, secret: req.target.secret ?? (sub.target.type === 'webhook' ? sub.target.secret : newSecret()) }
          : req.target;
    const changed: Subscription = {
      ...sub,
      ...(req.state ? { state: req.state } : {}),
      ...(target ? { target } : {}),
      ...(req.batchSize === undefined ? {} : { batchSize: req.batchSize }),
      ...(req.maxBatchingWindowMs === undefined ? {} : { maxBatchingWindowMs: req.maxBatchingWindowMs }),
      ...(req.maxAttempts === undefined ? {} : { maxAttempts: req.maxAttempts }),
      ...(req.backoff ? { backoff: { ...sub.backoff, ...req.backoff } } : {}),
      ...(req.deadLetterTopic === undefined ? {} : { deadLetterTopic: req.deadLetterTopic }),
    };
    if (changed.deadLetterTopic === sub.topic) {
      throw badRequest('invalid_dead_letter_topic', 'deadLetterTopic: must not be the subscribed topic', { field: 'deadLetterTopic' });
    }
    if (changed.deadLetterTopic !== sub.deadLetterTopic) await this.ensureDeadLetterTopic(changed.deadLetterTopic);
    if (!(await this.deps.store.replace(changed, sub.version))) {
      throw conflict('concurrent_update', `subscription "${name}" was changed meanwhile; read it again and retry`);
    }
    if (changed.state === 'active' && sub.state === 'paused') {
      const topic = await this.deps.topics.find(sub.topic);
      if (topic && topic.topicId === sub.topicId) {
        // Re-marking touches every head: on AWS that change is what wakes the dispatcher.
        await this.mark(changed, topic, true);
        this.wakeAll(topic);
      }
    }
    return info(changed, req.target?.type === 'webhook' && req.target.secret === undefined && sub.target.type !== 'webhook');
  }

  async delete(name: string): Promise<void> {
    const sub = await this.existing(name);
    // The definition first: a dispatcher checks it before every batch, and its next commit is refused
    // once the lease items below are gone.
    await this.deps.store.delete(name);
    const topic = await this.deps.topics.find(sub.topic);
    if (topic && topic.topicId === sub.topicId) await this.mark(sub, topic, false);
    for (const d of await this.deps.store.deliveries(name)) await this.deps.leases.deleteLease(name, d);
  }
}
