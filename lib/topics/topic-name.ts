import * as z from '../api/zod.js';
import { MAX_PARTITIONS, MAX_TOPIC_NAME_LENGTH } from '../contract/limits.js';

/** Kafka's rule for topic names: 1–249 of [a-zA-Z0-9._-], and never `.` or `..`. */
export const topicNameSchema = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_TOPIC_NAME_LENGTH, `must be at most ${MAX_TOPIC_NAME_LENGTH} characters`),
    z.regex(/^[a-zA-Z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"'),
    z.refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."'),
  );

export const partitionCountSchema = z.number().check(z.int('must be an integer'), z.minimum(1), z.maximum(MAX_PARTITIONS));
