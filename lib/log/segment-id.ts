import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A fresh, unique segment id: 10 characters of millisecond time then 12 of randomness (Crockford
 * base32, lower case). Time first keeps a partition's objects listed roughly in write order, which the
 * orphan sweep relies on to skip young objects.
 */
export function newSegmentId(now = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const rand = randomBytes(12);
  let tail = '';
  for (const byte of rand) tail += ALPHABET[byte % 32];
  return time + tail;
}

export function segmentIdTime(id: string): number {
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}
