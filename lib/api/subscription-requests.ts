// Validation of subscription requests at the route; the services take the typed result.
import type { CreateSubscriptionRequest, UpdateSubscriptionRequest } from '../contract/subscriptions.js';
import { topicNameSchema } from '../topics/topic-name.js';
import { groupIdSchema } from './group-requests.js';
import * as z from './zod.js';

/** A subscription's name is the name of its consumer group, so it follows the same rule. */
export const subscriptionNameSchema = groupIdSchema;

/** Lambda's own pattern for Invoke's FunctionName: a name, a partial or full ARN, with an optional version or alias. */
const FUNCTION_NAME = /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** A Standard Webhooks secret: `whsec_` and the base64 of 24–64 bytes. */
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const secretBytes = (s: string) => Buffer.from(s.slice('whsec_'.length), 'base64').byteLength;

const integer = (min: number, max: number, messages: { min?: string; max?: string } = {}) =>
  z.number().check(z.int('must be an integer'), z.minimum(min, messages.min), z.maximum(max, messages.max));

export const targetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('lambda'),
    functionArn: z.string().check(z.maxLength(256, 'must be at most 256 characters'), z.regex(FUNCTION_NAME, 'must be a Lambda function ARN or name')),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z
      .string()
      .check(
        z.maxLength(2048, 'must be at most 2048 characters'),
        z.refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http or https URL'),
      ),
    secret: z.optional(
      z
        .string()
        .check(z.regex(SECRET, 'must be "whsec_" followed by base64'), z.refine((s) => secretBytes(s) >= 24 && secretBytes(s) <= 64, 'must hold 24–64 bytes')),
    ),
    timeoutMs: z.optional(integer(100, 60_000, { min: 'must be at least 100', max: 'must be at most 60000' })),
  }),
]);

export const startPositionSchema = z.union([
  z.enum(['earliest', 'latest']),
  z.strictObject({ timestamp: integer(0, 8.64e15, { min: 'must be ≥ 0' }) }),
]);

const backoffSchema = z.strictObject({
  initialMs: z.optional(integer(0, 3_600_000)),
  maxMs: z.optional(integer(0, 3_600_000)),
  multiplier: z.optional(z.number().check(z.minimum(1), z.maximum(10))),
});

/** The settings create and update share, each optional. */
const settings = {
  batchSize: z.optional(integer(1, 10_000, { min: 'must be at least 1', max: 'must be at most 10000' })),
  maxBatchingWindowMs: z.optional(integer(0, 300_000, { min: 'must be ≥ 0', max: 'must be at most 300000' })),
  maxAttempts: z.optional(integer(1, 100, { min: 'must be at least 1', max: 'must be at most 100' })),
  backoff: z.optional(backoffSchema),
  deadLetterTopic: z.optional(topicNameSchema),
};

export const createSubscriptionSchema: z.ZodMiniType<CreateSubscriptionRequest> = z.strictObject({
  name: subscriptionNameSchema,
  topic: topicNameSchema,
  target: targetSchema,
  batchSize: settings.batchSize,
  maxBatchingWindowMs: settings.maxBatchingWindowMs,
  startPosition: z.optional(startPositionSchema),
  maxAttempts: settings.maxAttempts,
  backoff: settings.backoff,
  deadLetterTopic: settings.deadLetterTopic,
});

export const updateSubscriptionSchema: z.ZodMiniType<UpdateSubscriptionRequest> = z.strictObject({
  state: z.optional(z.enum(['active', 'paused'])),
  target: z.optional(targetSchema),
  ...settings,
});
