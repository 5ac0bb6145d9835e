// Validation of subscription requests at the route; the services take the typed result.
import * as z from 'zod';
import type { CreateSubscriptionRequest, UpdateSubscriptionRequest } from '../contract/subscriptions.js';
import { topicNameSchema } from '../topics/topic-name.js';
import { groupIdSchema } from './group-requests.js';

/** A subscription's name is the name of its consumer group, so it follows the same rule. */
export const subscriptionNameSchema = groupIdSchema;

/** Lambda's own pattern for Invoke's FunctionName: a name, a partial or full ARN, with an optional version or alias. */
const FUNCTION_NAME = /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** A Standard Webhooks secret: `whsec_` and the base64 of 24–64 bytes. */
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const secretBytes = (s: string) => Buffer.from(s.slice('whsec_'.length), 'base64').byteLength;

export const targetSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('lambda'),
      functionArn: z.string().max(256, 'must be at most 256 characters').regex(FUNCTION_NAME, 'must be a Lambda function ARN or name'),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      url: z
        .string()
        .max(2048, 'must be at most 2048 characters')
        .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http or https URL'),
      secret: z
        .string()
        .regex(SECRET, 'must be "whsec_" followed by base64')
        .refine((s) => secretBytes(s) >= 24 && secretBytes(s) <= 64, 'must hold 24–64 bytes')
        .optional(),
      timeoutMs: z.number().int('must be an integer').min(100, 'must be at least 100').max(60_000, 'must be at most 60000').optional(),
    })
    .strict(),
]);

export const startPositionSchema = z.union([
  z.enum(['earliest', 'latest']),
  z.object({ timestamp: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(8.64e15) }).strict(),
]);

const backoffSchema = z
  .object({
    initialMs: z.number().int('must be an integer').min(0).max(3_600_000).optional(),
    maxMs: z.number().int('must be an integer').min(0).max(3_600_000).optional(),
    multiplier: z.number().min(1).max(10).optional(),
  })
  .strict();

const settings = {
  batchSize: z.number().int('must be an integer').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
  maxBatchingWindowMs: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(300_000, 'must be at most 300000'),
  maxAttempts: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100'),
  backoff: backoffSchema,
  deadLetterTopic: topicNameSchema,
};

export const createSubscriptionSchema: z.ZodType<CreateSubscriptionRequest> = z
  .object({
    name: subscriptionNameSchema,
    topic: topicNameSchema,
    target: targetSchema,
    batchSize: settings.batchSize.optional(),
    maxBatchingWindowMs: settings.maxBatchingWindowMs.optional(),
    startPosition: startPositionSchema.optional(),
    maxAttempts: settings.maxAttempts.optional(),
    backoff: settings.backoff.optional(),
    deadLetterTopic: settings.deadLetterTopic.optional(),
  })
  .strict();


export const updateSubscriptionSchema: z.ZodType<UpdateSubscriptionRequest> = z
  .object({
    state: z.enum(['active', 'paused']).optional(),
    target: targetSchema.optional(),
    batchSize: settings.batchSize.optional(),
    maxBatchingWindowMs: settings.maxBatchingWindowMs.optional(),
    maxAttempts: settings.maxAttempts.optional(),
    backoff: settings.backoff.optional(),
    deadLetterTopic: settings.deadLetterTopic.optional(),
  })
  .strict();


