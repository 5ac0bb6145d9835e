import * as z from 'zod';
import type { FetchQuery, OffsetQuery } from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT, MAX_FETCH_BYTES, MAX_FETCH_LIMIT, MAX_TIMESTAMP, MAX_WAIT_MS } from '../contract/limits.js';

/** Query strings carry text; these accept only plain non-negative decimal integers. */
const queryInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .pipe(z.number().max(max, `${name} must be at most ${max}`));

/** The query of a fetch, with the defaults filled in. */
export const fetchQuerySchema = z.object({
  offset: queryInt('offset', Number.MAX_SAFE_INTEGER),
  limit: queryInt('limit', MAX_FETCH_LIMIT).pipe(z.number().min(1, 'limit must be at least 1')).default(DEFAULT_FETCH_LIMIT),
  maxBytes: queryInt('maxBytes', MAX_FETCH_BYTES).pipe(z.number().min(1, 'maxBytes must be at least 1')).default(DEFAULT_FETCH_BYTES),
  waitMs: queryInt('waitMs', MAX_WAIT_MS).default(0),
}) satisfies z.ZodType<Required<FetchQuery>, Record<string, string>>;

export const offsetQuerySchema = z.union(
  [
    z.object({ timestamp: queryInt('timestamp', MAX_TIMESTAMP) }).strict(),
    z.object({ spec: z.enum(['earliest', 'latest'], 'spec must be "earliest" or "latest"') }).strict(),
  ],
  'give exactly one of timestamp=<ms> or spec=earliest|latest',
) satisfies z.ZodType<OffsetQuery, Record<string, string>>;
