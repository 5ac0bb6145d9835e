import type { Context } from 'hono';
import { badRequest } from '../errors.js';

/** Reads a JSON body, turning malformed JSON into a 400 rather than an exception. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) throw badRequest('invalid_json', 'request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest('invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}
