import { Hono } from 'hono';
import type { Runnel } from '../../runtime.js';
import { topicParam } from '../params.js';
import { jsonBody } from '../json-body.js';

export function topicRoutes(runnel: Runnel): Hono {
  return new Hono()
    .post('/', async (c) => c.json(await runnel.admin.create(await jsonBody(c)), 201))
    .get('/', async (c) => c.json(await runnel.admin.list()))
    .get('/:topic', async (c) => c.json(await runnel.admin.describe(topicParam(c))))
    .delete('/:topic', async (c) => {
      await runnel.admin.delete(topicParam(c));
      return c.body(null, 204);
    });
}
