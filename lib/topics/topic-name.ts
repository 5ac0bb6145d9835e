import * as z from 'zod';
import { MAX_PARTITIONS, MAX_TOPIC_NAME_LENGTH } from '../contract/limits.js';

/** Kafka's rule for topic names: 1–249 of [a-zA-Z0-9._-], and never `.` or `..`. */
export const topicNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_TOPIC_NAME_LENGTH, `must be at most ${MAX_TOPIC_NAME_LENGTH} characters`)
  .regex(/^[a-zA-Z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."');

export const partitionCountSchema = z.number().int('must be an integer').min(1).max(MAX_PARTITIONS);
