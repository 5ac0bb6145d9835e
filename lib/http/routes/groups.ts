import { Hono, type Context } from 'hono';
import type { Runnel } from '../../runtime.js';
import { jsonBody } from '../json-body.js';

/** Heartbeats and leaves may come with no body at all. */
const optionalJsonBody = async (c: Context): Promise<unknown> => ((await c.req.raw.clone().text()).trim() ? jsonBody(c) : {});

export function groupRoutes(runnel: Runnel): Hono {
  const { coordinator, admin } = runnel.groups;
  return new Hono()
    .get('/', async (c) => c.json(await admin.list()))
    .get('/:group', async (c) => c.json(await admin.describe(c.req.param('group'))))
    .delete('/:group', async (c) => {
      await admin.delete(c.req.param('group'));
      return c.body(null, 204);
    })
    .post('/:group/offsets', async (c) => c.json(await admin.resetOffsets(c.req.param('group'), await jsonBody(c))))
    .post('/:group/commits', async (c) => c.json(await coordinator.commit(c.req.param('group'), await jsonBody(c))))
    .post('/:group/members', async (c) => c.json(await coordinator.join(c.req.param('group'), await jsonBody(c))))
    .post('/:group/members/:member/heartbeat', async (c) => c.json(await coordinator.heartbeat(c.req.param('group'), c.req.param('member'))))
    .post('/:group/members/:member/release', async (c) =>
      c.json(await coordinator.release(c.req.param('group'), c.req.param('member'), await jsonBody(c))),
    )
    .delete('/:group/members/:member', async (c) =>
      c.json(await coordinator.leave(c.req.param('group'), c.req.param('member'), await optionalJsonBody(c))),
    );
}
