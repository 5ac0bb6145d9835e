import { fetchQuerySchema, offsetQuerySchema } from '../../api/fetch-queries.js';
import { multiFetchSchema } from '../../api/multi-fetch-request.js';
import { wakeQuerySchema } from '../../api/wake-query.js';
import type { Services } from '../../runtime.js';
import { resolveWatch } from '../../wake/resolve-watch.js';
import type { WakeHub } from '../../wake/wake-hub.js';
import { wakeUpgradeOf } from '../../wake/wake-upgrade.js';
import { partitionParam, topicParam, validBody, validQuery } from '../params.js';
import type { Handlers } from './handlers.js';

/**
 * `wake`: the wake sockets this server upgrades, if it does (the local Node server). `socketUrl`: the
 * deployment's WebSocket API (on AWS, the construct's wake stage, `RUNNEL_WAKE_SOCKET_URL`), whose
 * `$connect` function registers the socket (lib/wake/wake-connect.ts). With neither, the wake route
 * answers `{"url": null}` and members poll.
 */
export const fetchHandlers = ({
  fetch,
  topics,
  wake,
  socketUrl,
}: Pick<Services, 'fetch' | 'topics'> & { wake?: Pick<WakeHub, 'served'>; socketUrl?: string | undefined }): Handlers<
  'fetchRecords' | 'fetchPartitions' | 'lookupOffset' | 'wakeChannel'
> => ({
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
    const name = topicParam(c);
    const { partitions } = validQuery(c, wakeQuerySchema);
    const watch = await resolveWatch(topics, name, partitions);
    wakeUpgradeOf(c)?.(watch);
    return c.json({ url: wake?.served ? wakeSocketUrl(c.req.url) : socketUrl ? topicSocketUrl(socketUrl, watch.topic) : null });
  },
});

/** The WebSocket API's URL with the topic in its query, where `$connect` reads it (the client adds `partitions`). */
function topicSocketUrl(socketUrl: string, topic: string): string {
  const url = new URL(socketUrl);
  url.searchParams.set('topic', topic);
  return url.toString();
}

/** This very path on this server, as a WebSocket URL: the server upgrades it (the local stack). */
function wakeSocketUrl(requestUrl: string): string {
  const url = new URL(requestUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  return url.toString();
}
