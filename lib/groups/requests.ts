import * as z from 'zod';
import { topicNameSchema } from '../topics/topic-name.js';

export const groupIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 of [A-Za-z0-9._-]');
export const memberIdSchema = groupIdSchema;
/** A name for people, not for the protocol: which process a member is (a host and pid, a service name). */
export const clientIdSchema = z.string().regex(/^[\x20-\x7e]{1,128}$/, 'must be 1–128 printable ASCII characters');

export const MIN_SESSION_TIMEOUT_MS = 1000;
export const MAX_SESSION_TIMEOUT_MS = 300_000;
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

const partitionSchema = z.number().int('must be an integer').min(0, 'must be ≥ 0');
const offsetSchema = z.number().int('must be an integer').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER);

export const joinSchema = z
  .object({
    topics: z.array(topicNameSchema, 'must be an array of topic names').min(1, 'must name at least one topic').max(100),
    sessionTimeoutMs: z
      .number()
      .int('must be an integer')
      .min(MIN_SESSION_TIMEOUT_MS, `must be at least ${MIN_SESSION_TIMEOUT_MS}`)
      .max(MAX_SESSION_TIMEOUT_MS, `must be at most ${MAX_SESSION_TIMEOUT_MS}`)
      .default(DEFAULT_SESSION_TIMEOUT_MS),
    memberId: memberIdSchema.optional(),
    clientId: clientIdSchema.optional(),
  })
  .strict();

/**
 * An offset for a partition held at an epoch: a commit, or the final position at a release. With
 * `topicId`, only if the topic is still that incarnation: an offset read from a deleted topic means
 * nothing on the re-created one.
 */
export const fencedOffsetSchema = z
  .object({
    topic: topicNameSchema,
    partition: partitionSchema,
    epoch: z.number().int('must be an integer').min(0),
    offset: offsetSchema,
    topicId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a topic id, as topic describe and fetch answer it').optional(),
  })
  .strict();

export const commitSchema = z
  .object({ memberId: memberIdSchema, offsets: z.array(fencedOffsetSchema, 'must be an array').min(1, 'must hold at least one offset').max(10_000) })
  .strict();

export const releaseSchema = z
  .object({
    partitions: z
      .array(fencedOffsetSchema.extend({ offset: offsetSchema.optional() }), 'must be an array')
      .min(1, 'must hold at least one partition')
      .max(10_000),
  })
  .strict();

export const leaveSchema = z.object({ offsets: z.array(fencedOffsetSchema, 'must be an array').max(10_000).default([]) }).strict();

export const resetSchema = z
  .object({
    topic: topicNameSchema,
    partitions: z.array(partitionSchema, 'must be an array of partitions').min(1).optional(),
    to: z.enum(['earliest', 'latest', 'timestamp', 'offset'], 'must be "earliest", "latest", "timestamp" or "offset"'),
    timestamp: z.number().int('must be an integer').min(0).max(8.64e15).optional(),
    offset: offsetSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.to === 'timestamp' && r.timestamp === undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is required when to is "timestamp"' });
    if (r.to === 'offset' && r.offset === undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is required when to is "offset"' });
    if (r.to !== 'timestamp' && r.timestamp !== undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is only allowed when to is "timestamp"' });
    if (r.to !== 'offset' && r.offset !== undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is only allowed when to is "offset"' });
  });

export type FencedOffset = z.output<typeof fencedOffsetSchema>;
