import { fetchQuerySchema, offsetQuerySchema } from '../../api/fetch-queries.js';
import { multiFetchSchema } from '../../api/multi-fetch-request.js';
import type { Services } from '../../runtime.js';
import { partitionParam, topicParam, validBody, validQuery } from '../params.js';
import type { Handlers } from './handlers.js';

export const fetchHandlers = ({ fetch }: Pick<Services, 'fetch'>): Handlers<'fetchRecords' | 'fetchPartitions' | 'lookupOffset'> => ({
  fetchRecords: async (c) => {
    const topic = topicParam(c);
    const query = validQuery(c, fetchQuerySchema);
    return c.json(await fetch.fetch({ topic, partition: partitionParam(c), ...query }, c.req.raw.signal));
  },
  fetchPartitions: async (c) => {
    const topic = topicParam(c);
    const body = await validBody(c, multiFetchSchema);
    return c.json(await fetch.fetchMany({ topic, ...body }, c.req.raw.signal));
  },
  lookupOffset: async (c) => {
    const topic = topicParam(c);
    const query = validQuery(c, offsetQuerySchema);
    return c.json(await fetch.offset({ topic, partition: partitionParam(c), ...query }));
  },
});
