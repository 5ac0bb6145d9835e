import { Hono } from 'hono';
import type { Runnel } from '../../runtime.js';
import { topicParam } from '../params.js';

export function fetchRoutes(runnel: Runnel): Hono {
  return new Hono()
    .get('/:topic/partitions/:partition/records', async (c) =>
      c.json(await runnel.fetch.fetch(topicParam(c), c.req.param('partition'), c.req.query(), c.req.raw.signal)),
    )
    .get('/:topic/partitions/:partition/offsets', async (c) =>
      c.json(await runnel.fetch.offset(topicParam(c), c.req.param('partition'), c.req.query())),
    );
}
