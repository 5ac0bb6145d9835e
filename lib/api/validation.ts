import type * as z from './zod.js';
import { badRequest } from '../errors.js';

/** `records[3].headers.trace` from zod's path, so an error names the exact field. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(body)';
}

/** Parses with a zod schema or throws a 400 that names the first offending field. */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown, prefix: ReadonlyArray<PropertyKey> = []): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is reported at its object; name the key itself, so the caller sees which one.
  const field = fieldPath([...prefix, ...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])]);
  throw badRequest('invalid_request', `${field}: ${issue.message}`, { field });
}
