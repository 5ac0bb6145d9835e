import type { Context } from 'hono';
import type * as z from '../api/zod.js';
import { parseOrThrow } from '../api/validation.js';
import { badRequest } from '../errors.js';
import { topicNameSchema } from '../topics/topic-name.js';
import { jsonBody } from './json-body.js';

/**
 * The `{topic}` of a path, refused with 400 unless it is a name a topic could have: no such topic can
 * exist, and a name past DynamoDB's key size would otherwise fail in storage as a 500.
 */
export const topicParam = (c: Context): string => parseOrThrow(topicNameSchema, c.req.param('topic'), ['topic']);

/** The `{partition}` of a path: a plain decimal number. Whether the topic has it, the service knows. */
export function partitionParam(c: Context): number {
  const param = c.req.param('partition') ?? '';
  if (!/^\d+$/.test(param)) throw badRequest('invalid_partition', `partition: "${param}" is not a partition number`, { field: 'partition' });
  return Number(param);
}

/** The query string, parsed by `schema`. */
export const validQuery = <S extends z.ZodMiniType>(c: Context, schema: S): z.output<S> => {
  // A parameter given twice (`?partitions=0&partitions=1`) would silently mean one of its values.
  const repeated = Object.entries(c.req.queries()).find(([, values]) => values.length > 1);
  if (repeated) throw badRequest('invalid_request', `${repeated[0]}: given ${repeated[1].length} times; give it once`, { field: repeated[0] });
  return parseOrThrow(schema, c.req.query());
};

/** A JSON body, parsed by `schema`. */
export const validBody = async <S extends z.ZodMiniType>(c: Context, schema: S): Promise<z.output<S>> => parseOrThrow(schema, await jsonBody(c));
