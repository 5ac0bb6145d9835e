import type { FetchQuery, OffsetQuery } from '../contract/fetch.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT, MAX_FETCH_BYTES, MAX_FETCH_LIMIT, MAX_TIMESTAMP, MAX_WAIT_MS } from '../contract/limits.js';
import * as z from './zod.js';

/** Query strings carry text; these accept only plain non-negative decimal integers. */
const queryInt = (name: string, max: number) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^\d+$/, `${name} must be a non-negative integer`)), z.transform(Number)),
    z.number().check(z.maximum(max, `${name} must be at most ${max}`)),
  );

/** `queryInt` of at least 1. */
const positiveQueryInt = (name: string, max: number) => z.pipe(queryInt(name, max), z.number().check(z.minimum(1, `${name} must be at least 1`)));

/** The query of a fetch, with the defaults filled in. */
export const fetchQuerySchema = z.object({
  offset: queryInt('offset', Number.MAX_SAFE_INTEGER),
  limit: z._default(positiveQueryInt('limit', MAX_FETCH_LIMIT), DEFAULT_FETCH_LIMIT),
  maxBytes: z._default(positiveQueryInt('maxBytes', MAX_FETCH_BYTES), DEFAULT_FETCH_BYTES),
  waitMs: z._default(queryInt('waitMs', MAX_WAIT_MS), 0),
}) satisfies z.ZodMiniType<Required<FetchQuery>, Record<string, string>>;

export const offsetQuerySchema = z.union(
  [
    z.strictObject({ timestamp: queryInt('timestamp', MAX_TIMESTAMP) }),
    z.strictObject({ spec: z.enum(['earliest', 'latest'], 'spec must be "earliest" or "latest"') }),
  ],
  'give exactly one of timestamp=<ms> or spec=earliest|latest',
) satisfies z.ZodMiniType<OffsetQuery, Record<string, string>>;
