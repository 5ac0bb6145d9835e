import * as z from 'zod';
import { MAX_PARTITIONS } from '../contract/limits.js';
import type { WakeSocketQuery } from '../contract/wake.js';

/** The syntax of `partitions`, which the OpenAPI document states too (lib/http/openapi.ts). */
export const PARTITION_LIST_PATTERN = /^\d{1,4}(,\d{1,4})*$/;

/** A wake socket's query: `partitions=0,1,2`, each a partition number, none twice. Absent: every partition. */
export const wakeQuerySchema = z
  .object({
    partitions: z
      .string()
      .regex(PARTITION_LIST_PATTERN, 'partitions must be partition numbers separated by commas, such as 0,1,2')
      .transform((text) => text.split(',').map(Number))
      .pipe(
        z
          .array(z.number().max(MAX_PARTITIONS - 1))
          .max(MAX_PARTITIONS)
          .refine((list) => new Set(list).size === list.length, 'partitions must not name a partition twice'),
      )
      .optional(),
  })
  .strict() satisfies z.ZodType<{ partitions?: number[] | undefined }, WakeSocketQuery>;
