import { alterTopicConfigSchema, createPartitionsSchema, createTopicSchema } from '../../api/topic-requests.js';
import type { Services } from '../../runtime.js';
import { topicParam, validBody } from '../params.js';
import type { Handlers } from './handlers.js';

export const topicHandlers = ({ admin }: Pick<Services, 'admin'>): Handlers<'createTopic' | 'listTopics' | 'describeTopic' | 'deleteTopic' | 'alterTopicConfig' | 'createPartitions'> => ({
  createTopic: async (c) => c.json(await admin.create(await validBody(c, createTopicSchema)), 201),
  listTopics: async (c) => c.json(await admin.list()),
  describeTopic: async (c) => c.json(await admin.describe(topicParam(c))),
  deleteTopic: async (c) => {
    await admin.delete(topicParam(c));
    return c.body(null, 204);
  },
  createPartitions: async (c) => {
    const topic = topicParam(c);
    return c.json(await admin.addPartitions(topic, (await validBody(c, createPartitionsSchema)).count));
  },
  alterTopicConfig: async (c) => {
    const topic = topicParam(c);
    return c.json(await admin.alterConfig(topic, await validBody(c, alterTopicConfigSchema)));
  },
});
