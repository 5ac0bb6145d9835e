import * as z from 'zod';
import type { CreatePartitionsRequest, CreateTopicRequest, NewTopic } from '../contract/topics.js';
import { topicConfigChangeSchema, topicConfigSchema } from '../topics/topic-config.js';
import { partitionCountSchema, topicNameSchema } from '../topics/topic-name.js';

/** The body of a create-topic request; its output has every config, defaults filled in. */
export const createTopicSchema = z
  .object({
    name: topicNameSchema,
    partitions: partitionCountSchema.default(1),
    config: topicConfigSchema.default(() => topicConfigSchema.parse({})),
  })
  .strict() satisfies z.ZodType<NewTopic, CreateTopicRequest>;

/** The body of a create-partitions request: the new total. */
export const createPartitionsSchema = z.object({ count: partitionCountSchema }).strict() satisfies z.ZodType<CreatePartitionsRequest, CreatePartitionsRequest>;

/** The body of an alter-config request: the same rules as create's configs, each optional or `null` (back to its default). */
export const alterTopicConfigSchema = topicConfigChangeSchema;
