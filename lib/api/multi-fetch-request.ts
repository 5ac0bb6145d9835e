import type { MultiFetchRequest } from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT, MAX_FETCH_BYTES, MAX_FETCH_LIMIT, MAX_PARTITIONS, MAX_WAIT_MS } from '../contract/limits.js';
import * as z from './zod.js';

const count = (name: string, min: number, max: number) =>
  z
    .number(`${name} must be a number`)
    .check(z.int(`${name} must be an integer`), z.minimum(min, `${name} must be at least ${min}`), z.maximum(max, `${name} must be at most ${max}`));

/** The body of a multi-partition fetch, with the defaults filled in. Whether the topic has each partition, the service knows. */
export const multiFetchSchema = z.strictObject({
  partitions: z
    .array(z.strictObject({ partition: count('partition', 0, MAX_PARTITIONS - 1), offset: count('offset', 0, Number.MAX_SAFE_INTEGER) }), 'must be an array of {partition, offset}')
    .check(
      z.minLength(1, 'must name at least one partition'),
      z.maxLength(MAX_PARTITIONS, `must name at most ${MAX_PARTITIONS} partitions`),
      z.superRefine((partitions, ctx) => {
        const seen = new Set<number>();
        partitions.forEach(({ partition }, i) => {
          if (seen.has(partition)) ctx.addIssue({ code: 'custom', path: [i, 'partition'], message: `partition ${partition} is named twice` });
          seen.add(partition);
        });
      }),
    ),
  limit: z._default(count('limit', 1, MAX_FETCH_LIMIT), DEFAULT_FETCH_LIMIT),
  maxBytes: z._default(count('maxBytes', 1, MAX_FETCH_BYTES), DEFAULT_FETCH_BYTES),
  waitMs: z._default(count('waitMs', 0, MAX_WAIT_MS), 0),
}) satisfies z.ZodMiniType<Required<MultiFetchRequest>, MultiFetchRequest>;
