import type { Context } from 'hono';
import { CborError, decodeCbor } from '../codec/cbor.js';
import { badRequest } from '../errors.js';
import { bodyBytes } from './request-body.js';

/**
 * Reads a CBOR body (the caller has checked its type) into JSON's data model plus byte strings, turning
 * anything malformed, truncated or outside that model into a 400 `invalid_cbor` rather than an exception.
 */
export async function cborBody(c: Context): Promise<unknown> {
  const bytes = await bodyBytes(c);
  try {
    return decodeCbor(bytes);
  } catch (e) {
    if (e instanceof CborError) throw badRequest('invalid_cbor', `request body is not CBOR this API reads: ${e.message}`);
    throw e;
  }
}
