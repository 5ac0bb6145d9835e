/**
 * A `Retry-After` value (RFC 9110 §10.2.3) as the wait it asks for, in ms from `now`: delay-seconds
 * (a non-negative integer) or an HTTP-date. Anything else is no request at all (undefined), since a
 * garbled header from a struggling target should not change the subscription's own backoff; a date in
 * the past asks for no wait (0).
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_SECONDS) * 1000;
  // Date.parse also takes forms HTTP does not (bare years, ISO dates): accept only IMF-fixdate and the
  // two obsolete forms RFC 9110 still requires recipients to read, all of which name a weekday.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// Larger requests are clamped by the retry policy anyway; this only keeps the arithmetic finite.
const MAX_SECONDS = 10 * 365 * 24 * 3600;
