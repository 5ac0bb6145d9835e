import * as z from 'zod';
import type { CommitRequest, FencedOffset, HeartbeatRequest, JoinRequest, LeaveRequest, ReleaseRequest, ResetOffsetsRequest } from '../contract/groups.js';
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_OFFSETS_PER_REQUEST,
  MAX_SESSION_TIMEOUT_MS,
  MAX_TIMESTAMP,
  MAX_TOPICS_PER_MEMBER,
  MIN_SESSION_TIMEOUT_MS,
} from '../contract/limits.js';
import { topicNameSchema } from '../topics/topic-name.js';

export const groupIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 of [A-Za-z0-9._-]');
export const memberIdSchema = groupIdSchema;
/** A name for people, not for the protocol: which process a member is (a host and pid, a service name). */
export const clientIdSchema = z.string().regex(/^[\x20-\x7e]{1,128}$/, 'must be 1–128 printable ASCII characters');

const partitionSchema = z.number().int('must be an integer').min(0, 'must be ≥ 0');
const offsetSchema = z.number().int('must be an integer').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER);

const sessionTimeoutSchema = z
  .number()
  .int('must be an integer')
  .min(MIN_SESSION_TIMEOUT_MS, `must be at least ${MIN_SESSION_TIMEOUT_MS}`)
  .max(MAX_SESSION_TIMEOUT_MS, `must be at most ${MAX_SESSION_TIMEOUT_MS}`);

export const joinSchema = z
  .object({
    topics: z.array(topicNameSchema, 'must be an array of topic names').min(1, 'must name at least one topic').max(MAX_TOPICS_PER_MEMBER),
    sessionTimeoutMs: sessionTimeoutSchema.default(DEFAULT_SESSION_TIMEOUT_MS),
    memberId: memberIdSchema.optional(),
    clientId: clientIdSchema.optional(),
  })
  .strict() satisfies z.ZodType<JoinRequest, JoinRequest>;

/** An offset for a partition held at an epoch (contract: `FencedOffset`). */
export const fencedOffsetSchema = z
  .object({
    topic: topicNameSchema,
    partition: partitionSchema,
    epoch: z.number().int('must be an integer').min(0),
    offset: offsetSchema,
    topicId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a topic id, as topic describe and fetch answer it').optional(),
  })
  .strict() satisfies z.ZodType<FencedOffset, FencedOffset>;

export const commitSchema = z
  .object({
    memberId: memberIdSchema,
    offsets: z.array(fencedOffsetSchema, 'must be an array').min(1, 'must hold at least one offset').max(MAX_OFFSETS_PER_REQUEST),
  })
  .strict() satisfies z.ZodType<CommitRequest, CommitRequest>;

export const releaseSchema = z
  .object({
    partitions: z
      .array(fencedOffsetSchema.extend({ offset: offsetSchema.optional() }), 'must be an array')
      .min(1, 'must hold at least one partition')
      .max(MAX_OFFSETS_PER_REQUEST),
  })
  .strict() satisfies z.ZodType<ReleaseRequest, ReleaseRequest>;

/** A heartbeat's body, which may be absent: a session to renew for, and keep, instead of the member's current one. */
export const heartbeatSchema = z.object({ sessionTimeoutMs: sessionTimeoutSchema.optional() }).strict() satisfies z.ZodType<HeartbeatRequest, HeartbeatRequest>;

export const leaveSchema = z
  .object({ offsets: z.array(fencedOffsetSchema, 'must be an array').max(MAX_OFFSETS_PER_REQUEST).default([]) })
  .strict() satisfies z.ZodType<LeaveRequest, LeaveRequest>;

export const resetSchema = z
  .object({
    topic: topicNameSchema,
    partitions: z.array(partitionSchema, 'must be an array of partitions').min(1).optional(),
    to: z.enum(['earliest', 'latest', 'timestamp', 'offset'], 'must be "earliest", "latest", "timestamp" or "offset"'),
    timestamp: z.number().int('must be an integer').min(0).max(MAX_TIMESTAMP).optional(),
    offset: offsetSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.to === 'timestamp' && r.timestamp === undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is required when to is "timestamp"' });
    if (r.to === 'offset' && r.offset === undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is required when to is "offset"' });
    if (r.to !== 'timestamp' && r.timestamp !== undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is only allowed when to is "timestamp"' });
    if (r.to !== 'offset' && r.offset !== undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is only allowed when to is "offset"' });
  })
  // The checks above make it one of the contract's shapes; say which, for the type.
  .transform(({ to, timestamp, offset, ...rest }): ResetOffsetsRequest =>
    to === 'timestamp' ? { ...rest, to, timestamp: timestamp! } : to === 'offset' ? { ...rest, to, offset: offset! } : { ...rest, to },
  ) satisfies z.ZodType<ResetOffsetsRequest, unknown>;
