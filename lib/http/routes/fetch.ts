import { fetchQuerySchema, offsetQuerySchema } from '../../api/fetch-queries.js';
import { multiFetchSchema } from '../../api/multi-fetch-request.js';
import { wakeQuerySchema } from '../../api/wake-query.js';
import { badRequest, notFound } from '../../errors.js';
import type { Services } from '../../runtime.js';
import type { WakeHub } from '../../wake/wake-hub.js';
import { wakeUpgradeOf } from '../../wake/wake-upgrade.js';
import { partitionParam, topicParam, validBody, validQuery } from '../params.js';
import type { Handlers } from './handlers.js';

/**
 * `wake`: the wake sockets this server upgrades, if it does (the local Node server). A Lambda function
 * has none, and no deployment has a WebSocket API yet (nothing on AWS would send to one), so there the
 * wake route answers `{"url": null}` and members poll.
 */
export const fetchHandlers = ({
  fetch,
  topics,
  wake,
}: Pick<Services, 'fetch' | 'topics'> & { wake?: Pick<WakeHub, 'served'> }): Handlers<'fetchRecords' | 'fetchPartitions' | 'lookupOffset' | 'wakeChannel'> => ({
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
  wakeChannel: async (c) => {
    // Fresh: a socket registered for an incarnation deleted a moment ago would never be woken.
    const topic = await topics.find(topicParam(c), true);
    if (!topic) throw notFound('unknown_topic', `topic "${c.req.param('topic')}" does not exist`);
    const { partitions } = validQuery(c, wakeQuerySchema);
    const missing = partitions?.find((p) => p >= topic.partitions);
    if (missing !== undefined) throw badRequest('invalid_partition', `partitions: topic "${topic.name}" has no partition ${missing}`, { field: 'partitions' });
    wakeUpgradeOf(c)?.({ topic: topic.name, topicId: topic.topicId, partitions: partitions ?? Array.from({ length: topic.partitions }, (_, p) => p) });
    return c.json({ url: wake?.served ? wakeSocketUrl(c.req.url) : null });
  },
});

/** This very path on this server, as a WebSocket URL: the server upgrades it (the local stack). */
function wakeSocketUrl(requestUrl: string): string {
  const url = new URL(requestUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  return url.toString();
}
