import * as z from 'zod';
import { parseOrThrow } from '../api/validation.js';
import { partitionCountSchema, topicNameSchema } from './topic-name.js';
import { topicConfigSchema, type TopicConfig } from './topic-config.js';
import type { PartitionState, Topic, TopicStore } from './topic-store.js';

export const createTopicSchema = z
  .object({
    name: topicNameSchema,
    partitions: partitionCountSchema.default(1),
    config: topicConfigSchema.default(() => topicConfigSchema.parse({})),
  })
  .strict();

export interface TopicView {
  name: string;
  partitions: number;
  config: TopicConfig;
  createdAt: string;
}

export interface TopicDescription extends TopicView {
  /** This incarnation of the topic: a deleted and re-created topic has a new one. */
  topicId: string;
  partitionStates: PartitionState[];
}

const view = (t: Topic): TopicView => ({ name: t.name, partitions: t.partitions, config: t.config, createdAt: new Date(t.createdAt).toISOString() });

/** The topic operations of the HTTP API, with their validation. */
export class TopicAdmin {
  constructor(
    private readonly store: TopicStore,
    /** Called after a delete; purging runs in the background so the delete answers at once. */
    private readonly onDeleted: () => void = () => {},
  ) {}

  async create(body: unknown): Promise<TopicView> {
    const req = parseOrThrow(createTopicSchema, body);
    return view(await this.store.create(req.name, req.partitions, req.config));
  }

  async list(): Promise<{ topics: TopicView[] }> {
    return { topics: (await this.store.list()).map(view) };
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = await this.store.get(name);
    return { ...view(topic), topicId: topic.topicId, partitionStates: await this.store.partitionStates(topic) };
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(name);
    this.onDeleted();
  }
}
