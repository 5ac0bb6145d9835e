import { Hono } from 'hono';
import type { Runnel } from '../../runtime.js';
import { topicParam } from '../params.js';
import { jsonBody } from '../json-body.js';

export function produceRoutes(runnel: Runnel): Hono {
  return new Hono().post('/:topic/records', async (c) => c.json(await runnel.produce.produce(topicParam(c), await jsonBody(c))));
}
