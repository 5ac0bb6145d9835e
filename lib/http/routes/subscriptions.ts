import type { Context } from 'hono';
import { createSubscriptionSchema, subscriptionNameSchema, updateSubscriptionSchema } from '../../api/subscription-requests.js';
import { parseOrThrow } from '../../api/validation.js';
import type { Subscriptions } from '../../subscriptions/subscriptions.js';
import { validBody } from '../params.js';
import type { Handlers } from './handlers.js';

const nameParam = (c: Context): string => parseOrThrow(subscriptionNameSchema, c.req.param('name'), ['name']);

type SubscriptionOperation = 'createSubscription' | 'listSubscriptions' | 'describeSubscription' | 'updateSubscription' | 'deleteSubscription';

export const subscriptionHandlers = ({ subscriptions: { admin } }: { subscriptions: Pick<Subscriptions, 'admin'> }): Handlers<SubscriptionOperation> => ({
  createSubscription: async (c) => c.json(await admin.create(await validBody(c, createSubscriptionSchema)), 201),
  listSubscriptions: async (c) => c.json(await admin.list()),
  describeSubscription: async (c) => c.json(await admin.describe(nameParam(c))),
  updateSubscription: async (c) => {
    const body = await validBody(c, updateSubscriptionSchema);
    return c.json(await admin.update(nameParam(c), body));
  },
  deleteSubscription: async (c) => {
    await admin.delete(nameParam(c));
    return c.body(null, 204);
  },
});
