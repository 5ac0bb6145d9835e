import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { createSubscriptionSchema } from '../api/subscription-requests.js';
import { parseOrThrow } from '../api/validation.js';
import { SUBSCRIPTION_REQUEST_PROPERTY, type CreateSubscriptionRequest, type UpdateSubscriptionRequest } from '../contract/subscriptions.js';
import { RunnelError } from '../errors.js';
import { logger } from '../observability/logger.js';
import type { SubscriptionAdmin } from './subscription-admin.js';

// The CloudFormation custom resource behind the construct's `subscribe()`: a push subscription created,
// changed and deleted with the stack. Its one property (SUBSCRIPTION_REQUEST_PROPERTY) is the create
// request as JSON, written with `Stack.toJsonString` so that a function's ARN resolves at deploy time, and
// validated here with the route's own schema. The physical id is the subscription's name.

const requestOf = (props: Record<string, unknown> | undefined): CreateSubscriptionRequest =>
  parseOrThrow(createSubscriptionSchema, JSON.parse(String(props?.[SUBSCRIPTION_REQUEST_PROPERTY] ?? 'null')));

/** What of a create request PATCH can change: all but the name, the topic and the start position. */
function updateOf(req: CreateSubscriptionRequest): UpdateSubscriptionRequest {
  const { name: _name, topic: _topic, startPosition: _start, ...settings } = req;
  return settings;
}

const isCode = (e: unknown, code: string) => e instanceof RunnelError && e.code === code;

/** Applies one custom resource event through the admin; answers the physical id. */
export async function applySubscriptionResource(admin: SubscriptionAdmin, event: CloudFormationCustomResourceEvent): Promise<string> {
  if (event.RequestType === 'Delete') {
    // A failed create has no subscription behind its physical id; deleting it must still succeed.
    await admin.delete(event.PhysicalResourceId).catch((e: unknown) => {
      if (!isCode(e, 'unknown_subscription')) throw e;
    });
    return event.PhysicalResourceId;
  }
  const req = requestOf(event.ResourceProperties);
  if (event.RequestType === 'Update') {
    const old = requestOf(event.OldResourceProperties);
    // A new name or topic is a new subscription: CloudFormation deletes the old one after this answer.
    if (old.name === req.name && old.topic === req.topic) {
      await admin.update(req.name, updateOf(req));
      return req.name;
    }
  }
  try {
    await admin.create(req);
  } catch (e) {
    // A create CloudFormation repeats (its first answer lost) finds its own subscription: make it match.
    if (!isCode(e, 'subscription_exists')) throw e;
    await admin.update(req.name, updateOf(req));
  }
  return req.name;
}

/**
 * The Lambda handler of the custom resource: applies the event and answers CloudFormation at the event's
 * pre-signed URL, SUCCESS or FAILED with the reason, so that a refused subscription fails the deployment
 * with the admin's message instead of hanging it for an hour.
 */
export function subscriptionResourceHandler(admin: SubscriptionAdmin, put: typeof fetch = fetch) {
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    let answer: CloudFormationCustomResourceResponse;
    try {
      const id = await applySubscriptionResource(admin, event);
      answer = { ...base, Status: 'SUCCESS', PhysicalResourceId: id, Data: { Name: id } };
    } catch (e) {
      logger.error('subscription resource failed', { error: e, requestType: event.RequestType });
      const physical = event.RequestType === 'Create' ? `failed-${event.RequestId}` : event.PhysicalResourceId;
      answer = { ...base, Status: 'FAILED', Reason: e instanceof Error ? e.message : String(e), PhysicalResourceId: physical };
    }
    const body = JSON.stringify(answer);
    // The URL is signed for an empty content type.
    const res = await put(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
    if (!res.ok) throw new Error(`CloudFormation refused the custom resource answer: HTTP ${res.status}`);
  };
}
