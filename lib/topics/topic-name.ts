import * as z from 'zod';

/** Kafka's rule for topic names: 1–249 of [a-zA-Z0-9._-], and never `.` or `..`. */
export const topicNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(249, 'must be at most 249 characters')
  .regex(/^[a-zA-Z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."');

export const partitionCountSchema = z.number().int('must be an integer').min(1).max(1000);
