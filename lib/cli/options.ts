import { InvalidArgumentError } from 'commander';

/** Commander option parsers: each names what it expected, and commander prefixes the option. */
export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** Milliseconds since the epoch, or an ISO 8601 date such as 2026-11-24T10:00:00Z. */
export function timestamp(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < 0) throw new InvalidArgumentError('expected milliseconds since the epoch or an ISO 8601 date');
  return ms;
}

/** `0,2,5` → [0, 2, 5]. */
export function partitionList(value: string): number[] {
  return value.split(',').map((p) => {
    try {
      return nonNegativeInt(p.trim());
    } catch {
      throw new InvalidArgumentError(`expected partition numbers separated by commas, not "${value}"`);
    }
  });
}

/** `key=value`, repeatable, collected into an object. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected name=value, not "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** Where to start reading each partition, in kcat's `-o` words. */
export type OffsetSpec =
  | { from: 'earliest' | 'latest' }
  | { from: 'offset'; offset: number }
  | { from: 'tail'; count: number }
  | { from: 'timestamp'; timestamp: number };

/**
 * kcat's `-o`: `beginning`, `end`, an absolute offset `42`, `-10` (10 before each partition's end), or
 * `s@<time>` (the first record at or after a time, ms or ISO 8601).
 */
export function offsetSpec(value: string): OffsetSpec {
  if (value === 'beginning' || value === 'earliest') return { from: 'earliest' };
  if (value === 'end' || value === 'latest') return { from: 'latest' };
  if (value.startsWith('s@')) return { from: 'timestamp', timestamp: timestamp(value.slice(2)) };
  const relative = /^-(\d+)$/.exec(value);
  try {
    if (relative) return { from: 'tail', count: positiveInt(relative[1]!) };
    return { from: 'offset', offset: nonNegativeInt(value) };
  } catch {
    throw new InvalidArgumentError('expected beginning, end, an offset, -<n> (n before the end) or s@<time>');
  }
}
