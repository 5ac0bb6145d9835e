import * as z from 'zod';
import type { MultiFetchRequest } from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT, MAX_FETCH_BYTES, MAX_FETCH_LIMIT, MAX_PARTITIONS, MAX_WAIT_MS } from '../contract/limits.js';

const count = (name: string, min: number, max: number) =>
  z.number(`${name} must be a number`).int(`${name} must be an integer`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);

/** The body of a multi-partition fetch, with the defaults filled in. Whether the topic has each partition, the service knows. */
export const multiFetchSchema = z
  .object({
    partitions: z
      .array(
        z.object({ partition: count('partition', 0, MAX_PARTITIONS - 1), offset: count('offset', 0, Number.MAX_SAFE_INTEGER) }).strict(),
        'must be an array of {partition, offset}',
      )
      .min(1, 'must name at least one partition')
      .max(MAX_PARTITIONS, `must name at most ${MAX_PARTITIONS} partitions`)
      .superRefine((partitions, ctx) => {
        const seen = new Set<number>();
        partitions.forEach(({ partition }, i) => {
          if (seen.has(partition)) ctx.addIssue({ code: 'custom', path: [i, 'partition'], message: `partition ${partition} is named twice` });
          seen.add(partition);
        });
      }),
    limit: count('limit', 1, MAX_FETCH_LIMIT).default(DEFAULT_FETCH_LIMIT),
    maxBytes: count('maxBytes', 1, MAX_FETCH_BYTES).default(DEFAULT_FETCH_BYTES),
    waitMs: count('waitMs', 0, MAX_WAIT_MS).default(0),
  })
  .strict() satisfies z.ZodType<Required<MultiFetchRequest>, MultiFetchRequest>;
