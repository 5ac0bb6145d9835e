import type { Context } from 'hono';
import { parseOrThrow } from '../api/validation.js';
import { topicNameSchema } from '../topics/topic-name.js';

/**
 * The `{topic}` of a path, refused with 400 unless it is a name a topic could have: no such topic can
 * exist, and a name past DynamoDB's key size would otherwise fail in storage as a 500.
 */
export const topicParam = (c: Context): string => parseOrThrow(topicNameSchema, c.req.param('topic'), ['topic']);
