import { fetchQuerySchema, offsetQuerySchema } from '../../api/fetch-queries.js';
import type { Services } from '../../runtime.js';
import { partitionParam, topicParam, validQuery } from '../params.js';
import type { Handlers } from './handlers.js';

export const fetchHandlers = ({ fetch }: Services): Handlers<'fetchRecords' | 'lookupOffset'> => ({
  fetchRecords: async (c) => {
    const topic = topicParam(c);
    const query = validQuery(c, fetchQuerySchema);
    return c.json(await fetch.fetch({ topic, partition: partitionParam(c), ...query }, c.req.raw.signal));
  },
  lookupOffset: async (c) => {
    const topic = topicParam(c);
    const query = validQuery(c, offsetQuerySchema);
    return c.json(await fetch.offset({ topic, partition: partitionParam(c), ...query }));
  },
});
