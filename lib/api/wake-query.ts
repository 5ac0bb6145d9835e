import { MAX_PARTITIONS } from '../contract/limits.js';
import type { WakeSocketQuery } from '../contract/wake.js';
import * as z from './zod.js';

/** The syntax of `partitions`, which the OpenAPI document states too (lib/http/openapi.ts). */
export const PARTITION_LIST_PATTERN = /^\d{1,4}(,\d{1,4})*$/;

/** A wake socket's query: `partitions=0,1,2`, each a partition number, none twice. Absent: every partition. */
export const wakeQuerySchema = z.strictObject({
  partitions: z.optional(
    z.pipe(
      z.pipe(
        z.string().check(z.regex(PARTITION_LIST_PATTERN, 'partitions must be partition numbers separated by commas, such as 0,1,2')),
        z.transform((text) => text.split(',').map(Number)),
      ),
      z
        .array(z.number().check(z.maximum(MAX_PARTITIONS - 1)))
        .check(z.maxLength(MAX_PARTITIONS), z.refine((list) => new Set(list).size === list.length, 'partitions must not name a partition twice')),
    ),
  ),
}) satisfies z.ZodMiniType<{ partitions?: number[] | undefined }, WakeSocketQuery>;
