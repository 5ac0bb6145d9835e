import type { Context } from 'hono';
import { commitSchema, groupIdSchema, heartbeatSchema, joinSchema, leaveSchema, memberIdSchema, releaseSchema, resetSchema } from '../../api/group-requests.js';
import { parseOrThrow } from '../../api/validation.js';
import type { Services } from '../../runtime.js';
import { jsonBody } from '../json-body.js';
import type { Handlers } from './handlers.js';

// The path's ids are the groups function's own: the other functions' bundles build no group schema.
const groupParam = (c: Context): string => parseOrThrow(groupIdSchema, c.req.param('group'), ['group']);
const memberParam = (c: Context): string => parseOrThrow(memberIdSchema, c.req.param('member'), ['memberId']);

/** Heartbeats and leaves may come with no body at all. */
const optionalJsonBody = async (c: Context): Promise<unknown> => ((await c.req.raw.clone().text()).trim() ? jsonBody(c) : {});

type GroupOperation =
  | 'listGroups'
  | 'describeGroup'
  | 'deleteGroup'
  | 'resetGroupOffsets'
  | 'commitOffsets'
  | 'joinGroup'
  | 'heartbeat'
  | 'releasePartitions'
  | 'leaveGroup';

/** A body is read (a 400 `invalid_json` first), then the path's ids checked, then the body. */
export const groupHandlers = ({ groups: { coordinator, admin } }: Pick<Services, 'groups'>): Handlers<GroupOperation> => ({
  listGroups: async (c) => c.json(await admin.list()),
  describeGroup: async (c) => c.json(await admin.describe(groupParam(c))),
  deleteGroup: async (c) => {
    await admin.delete(groupParam(c));
    return c.body(null, 204);
  },
  resetGroupOffsets: async (c) => {
    const body = await jsonBody(c);
    return c.json(await admin.resetOffsets(groupParam(c), parseOrThrow(resetSchema, body)));
  },
  commitOffsets: async (c) => {
    const body = await jsonBody(c);
    return c.json(await coordinator.commit(groupParam(c), parseOrThrow(commitSchema, body)));
  },
  joinGroup: async (c) => {
    const body = await jsonBody(c);
    return c.json(await coordinator.join(groupParam(c), parseOrThrow(joinSchema, body)));
  },
  heartbeat: async (c) => {
    const body = await optionalJsonBody(c);
    const group = groupParam(c);
    return c.json(await coordinator.heartbeat(group, memberParam(c), parseOrThrow(heartbeatSchema, body)));
  },
  releasePartitions: async (c) => {
    const body = await jsonBody(c);
    const group = groupParam(c);
    return c.json(await coordinator.release(group, memberParam(c), parseOrThrow(releaseSchema, body)));
  },
  leaveGroup: async (c) => {
    const body = await optionalJsonBody(c);
    const group = groupParam(c);
    return c.json(await coordinator.leave(group, memberParam(c), parseOrThrow(leaveSchema, body)));
  },
});
