import { produceRequestSchema } from '../../api/produce-request.js';
import type { Services } from '../../runtime.js';
import { topicParam, validBody } from '../params.js';
import type { Handlers } from './handlers.js';

export const produceHandlers = ({ produce }: Pick<Services, 'produce'>): Handlers<'produceRecords'> => ({
  produceRecords: async (c) => {
    const topic = topicParam(c);
    return c.json(await produce.produce(topic, await validBody(c, produceRequestSchema)));
  },
});
