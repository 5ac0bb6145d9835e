import type { z } from 'zod';
import { badRequest } from '../errors.js';

/** `records[3].headers.trace` from zod's path, so an error names the exact field. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(body)';
}

/** Parses with a zod schema or throws a 400 that names the first offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix: ReadonlyArray<PropertyKey> = []): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath([...prefix, ...issue.path]);
  throw badRequest('invalid_request', `${field}: ${issue.message}`, { field });
}
