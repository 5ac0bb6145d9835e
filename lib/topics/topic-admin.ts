import type { NewTopic, TopicDescription, TopicList, TopicView } from '../contract/topics.js';
import { defaultTopicConfig, type TopicConfigChange } from './topic-config.js';
import type { Topic, TopicStore } from './topic-store.js';

const view = (t: Topic): TopicView => ({ name: t.name, partitions: t.partitions, config: t.config, createdAt: new Date(t.createdAt).toISOString() });

/** The topic operations of the HTTP API. Input arrives validated (lib/api/topic-requests.ts at the edge). */
export class TopicAdmin {
  constructor(
    private readonly store: TopicStore,
    /** Called after a delete; purging runs in the background so the delete answers at once. */
    private readonly onDeleted: () => void = () => {},
  ) {}

  async create(topic: NewTopic): Promise<TopicView> {
    return view(await this.store.create(topic.name, topic.partitions ?? 1, { ...defaultTopicConfig(), ...topic.config }));
  }

  async list(): Promise<TopicList> {
    return { topics: (await this.store.list()).map(view) };
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = await this.store.get(name);
    const partitionStates = await this.store.partitionStates(topic);
    return { ...view(topic), topicId: topic.topicId, partitionStates, bytes: partitionStates.reduce((sum, p) => sum + p.bytes, 0) };
  }

  /** Sets the configs `change` names (a `null` one back to its default) and keeps the rest. */
  async alterConfig(name: string, change: TopicConfigChange): Promise<TopicView> {
    return view(await this.store.alterConfig(name, change));
  }

  /** Raises the topic's partition count to `count`; keyed records then map over the new count, as in Kafka. */
  async addPartitions(name: string, count: number): Promise<TopicView> {
    return view(await this.store.addPartitions(name, count));
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(name);
    this.onDeleted();
  }
}
