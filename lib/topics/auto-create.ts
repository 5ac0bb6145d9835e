import { isRunnelError } from '../errors.js';
import { defaultTopicConfig } from './topic-config.js';
import type { Topic, TopicStore } from './topic-store.js';

/**
 * Kafka's `auto.create.topics.enable`: a produce (or a consumer group's join) naming a topic that does
 * not exist creates it, with `num.partitions` partitions and the default configs. Off unless
 * `numPartitions` is given: `npm run dev` turns it on, a deployed stack only when its prop says so.
 */
export class TopicAutoCreation {
  constructor(
    private readonly topics: TopicStore,
    /** Kafka's `num.partitions`; undefined turns auto-creation off. */
    private readonly numPartitions: number | undefined,
  ) {}

  /** The named topic; when it does not exist and auto-creation is on, it is created first. */
  async get(name: string): Promise<Topic> {
    const found = await this.topics.find(name);
    if (found || this.numPartitions === undefined) return found ?? this.topics.get(name);
    try {
      return await this.topics.create(name, this.numPartitions, defaultTopicConfig());
    } catch (e) {
      // Another request created it first: that one is the topic.
      if (!(isRunnelError(e) && e.code === 'topic_exists')) throw e;
      return this.topics.get(name);
    }
  }

  /** Runs `use`, and when it finds no such topic and auto-creation is on, creates the topic and runs it again. */
  async orCreate<T>(name: string, use: () => Promise<T>): Promise<T> {
    try {
      return await use();
    } catch (e) {
      if (this.numPartitions === undefined || !(isRunnelError(e) && e.code === 'unknown_topic')) throw e;
      await this.get(name);
      return use();
    }
  }
}
