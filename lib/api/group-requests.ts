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
import * as z from './zod.js';

export const groupIdSchema = z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 of [A-Za-z0-9._-]'));
export const memberIdSchema = groupIdSchema;
/** A name for people, not for the protocol: which process a member is (a host and pid, a service name). */
export const clientIdSchema = z.string().check(z.regex(/^[\x20-\x7e]{1,128}$/, 'must be 1–128 printable ASCII characters'));

const partitionSchema = z.number().check(z.int('must be an integer'), z.minimum(0, 'must be ≥ 0'));
const offsetSchema = z.number().check(z.int('must be an integer'), z.minimum(0, 'must be ≥ 0'), z.maximum(Number.MAX_SAFE_INTEGER));

const sessionTimeoutSchema = z
  .number()
  .check(
    z.int('must be an integer'),
    z.minimum(MIN_SESSION_TIMEOUT_MS, `must be at least ${MIN_SESSION_TIMEOUT_MS}`),
    z.maximum(MAX_SESSION_TIMEOUT_MS, `must be at most ${MAX_SESSION_TIMEOUT_MS}`),
  );

export const joinSchema = z.strictObject({
  topics: z.array(topicNameSchema, 'must be an array of topic names').check(z.minLength(1, 'must name at least one topic'), z.maxLength(MAX_TOPICS_PER_MEMBER)),
  sessionTimeoutMs: z._default(sessionTimeoutSchema, DEFAULT_SESSION_TIMEOUT_MS),
  memberId: z.optional(memberIdSchema),
  clientId: z.optional(clientIdSchema),
}) satisfies z.ZodMiniType<JoinRequest, JoinRequest>;

/** An offset for a partition held at an epoch (contract: `FencedOffset`). */
export const fencedOffsetSchema = z.strictObject({
  topic: topicNameSchema,
  partition: partitionSchema,
  epoch: z.number().check(z.int('must be an integer'), z.minimum(0)),
  offset: offsetSchema,
  topicId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a topic id, as topic describe and fetch answer it'))),
}) satisfies z.ZodMiniType<FencedOffset, FencedOffset>;

const offsets = z.array(fencedOffsetSchema, 'must be an array').check(z.maxLength(MAX_OFFSETS_PER_REQUEST));

export const commitSchema = z.strictObject({
  memberId: memberIdSchema,
  offsets: offsets.check(z.minLength(1, 'must hold at least one offset')),
}) satisfies z.ZodMiniType<CommitRequest, CommitRequest>;

export const releaseSchema = z.strictObject({
  partitions: z
    .array(z.extend(fencedOffsetSchema, { offset: z.optional(offsetSchema) }), 'must be an array')
    .check(z.minLength(1, 'must hold at least one partition'), z.maxLength(MAX_OFFSETS_PER_REQUEST)),
}) satisfies z.ZodMiniType<ReleaseRequest, ReleaseRequest>;

/** A heartbeat's body, which may be absent: a session to renew for, and keep, instead of the member's current one. */
export const heartbeatSchema = z.strictObject({ sessionTimeoutMs: z.optional(sessionTimeoutSchema) }) satisfies z.ZodMiniType<HeartbeatRequest, HeartbeatRequest>;

export const leaveSchema = z.strictObject({ offsets: z._default(offsets, []) }) satisfies z.ZodMiniType<LeaveRequest, LeaveRequest>;

export const resetSchema = z.pipe(
  z
    .strictObject({
      topic: topicNameSchema,
      partitions: z.optional(z.array(partitionSchema, 'must be an array of partitions').check(z.minLength(1))),
      to: z.enum(['earliest', 'latest', 'timestamp', 'offset'], 'must be "earliest", "latest", "timestamp" or "offset"'),
      timestamp: z.optional(z.number().check(z.int('must be an integer'), z.minimum(0), z.maximum(MAX_TIMESTAMP))),
      offset: z.optional(offsetSchema),
    })
    .check(
      z.superRefine((r, ctx) => {
        if (r.to === 'timestamp' && r.timestamp === undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is required when to is "timestamp"' });
        if (r.to === 'offset' && r.offset === undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is required when to is "offset"' });
        if (r.to !== 'timestamp' && r.timestamp !== undefined) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is only allowed when to is "timestamp"' });
        if (r.to !== 'offset' && r.offset !== undefined) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is only allowed when to is "offset"' });
      }),
    ),
  // The checks above make it one of the contract's shapes; say which, for the type.
  z.transform(({ to, timestamp, offset, ...rest }): ResetOffsetsRequest =>
    to === 'timestamp' ? { ...rest, to, timestamp: timestamp! } : to === 'offset' ? { ...rest, to, offset: offset! } : { ...rest, to },
  ),
) satisfies z.ZodMiniType<ResetOffsetsRequest, unknown>;
