import { alterTopicConfigSchema, createTopicSchema } from '../../api/topic-requests.js';
import type { Services } from '../../runtime.js';
import { topicParam, validBody } from '../params.js';
import type { Handlers } from './handlers.js';

export const topicHandlers = ({ admin }: Services): Handlers<'createTopic' | 'listTopics' | 'describeTopic' | 'deleteTopic' | 'alterTopicConfig'> => ({
  createTopic: async (c) => c.json(await admin.create(await validBody(c, createTopicSchema)), 201),
  listTopics: async (c) => c.json(await admin.list()),
  describeTopic: async (c) => c.json(await admin.describe(topicParam(c))),
  deleteTopic: async (c) => {
    await admin.delete(topicParam(c));
    return c.body(null, 204);
  },
  alterTopicConfig: async (c) => {
    const topic = topicParam(c);
    return c.json(await admin.alterConfig(topic, await validBody(c, alterTopicConfigSchema)));
  },
});
