import type { CreatePartitionsRequest, CreateTopicRequest, NewTopic } from '../contract/topics.js';
import { topicConfigChangeSchema, topicConfigSchema } from '../topics/topic-config.js';
import { partitionCountSchema, topicNameSchema } from '../topics/topic-name.js';
import * as z from './zod.js';

/** The body of a create-topic request; its output has every config, defaults filled in. */
export const createTopicSchema = z.strictObject({
  name: topicNameSchema,
  partitions: z._default(partitionCountSchema, 1),
  config: z._default(topicConfigSchema, () => topicConfigSchema.parse({})),
}) satisfies z.ZodMiniType<NewTopic, CreateTopicRequest>;

/** The body of a create-partitions request: the new total. */
export const createPartitionsSchema = z.strictObject({ count: partitionCountSchema }) satisfies z.ZodMiniType<CreatePartitionsRequest, CreatePartitionsRequest>;

/** The body of an alter-config request: the same rules as create's configs, each optional or `null` (back to its default). */
export const alterTopicConfigSchema = topicConfigChangeSchema;
