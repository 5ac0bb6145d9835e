import * as z from 'zod';
import { MAX_MESSAGE_BYTES_LIMIT } from '../contract/limits.js';
import type { TopicConfig, TopicConfigInput } from '../contract/topics.js';

export type { TopicConfig } from '../contract/topics.js';

/** Kafka writes topic configs as strings; accept those and plain JSON numbers alike. */
const integer = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number)])
    .pipe(z.number().int('must be an integer').min(min).max(max));

/** A ratio from 0 to 1, as a JSON number or a decimal string. */
const ratio = z
  .union([z.number(), z.string().regex(/^(?:[01]|[01]?\.\d+)$/, 'must be a number from 0 to 1').transform(Number)])
  .pipe(z.number().min(0, 'must be a number from 0 to 1').max(1, 'must be a number from 0 to 1'));

/**
 * The topic configs Runnel stores, with Kafka's names and defaults. `max.message.bytes` is capped so
 * that any one record still fits in a fetch response under Lambda's 6 MB limit.
 */
export const topicConfigSchema = z
  .object({
    'retention.ms': integer(-1, Number.MAX_SAFE_INTEGER).default(7 * 24 * 60 * 60 * 1000),
    'retention.bytes': integer(-1, Number.MAX_SAFE_INTEGER).default(-1),
    'cleanup.policy': z.enum(['delete', 'compact', 'compact,delete', 'delete,compact']).default('delete'),
    'max.message.bytes': integer(64, MAX_MESSAGE_BYTES_LIMIT).default(1024 * 1024),
    'compression.type': z.enum(['none', 'gzip']).default('none'),
    // Kafka 4.0's default. A record stamped far ahead would hold up retention by time (and offset lookups
    // by time) for everything after it, since both search the index by running maximum timestamp.
    'message.timestamp.after.max.ms': integer(0, Number.MAX_SAFE_INTEGER).default(60 * 60 * 1000),
    // Compaction (cleanup.policy compact), with Kafka's meanings and defaults; docs/compaction.md.
    'delete.retention.ms': integer(0, Number.MAX_SAFE_INTEGER).default(24 * 60 * 60 * 1000),
    'min.compaction.lag.ms': integer(0, Number.MAX_SAFE_INTEGER).default(0),
    // Kafka's default is Long.MAX_VALUE: never forced.
    'max.compaction.lag.ms': integer(1, Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
    'min.cleanable.dirty.ratio': ratio.default(0.5),
  })
  .strict() satisfies z.ZodType<TopicConfig, TopicConfigInput>;

export const defaultTopicConfig = (): TopicConfig => topicConfigSchema.parse({});
