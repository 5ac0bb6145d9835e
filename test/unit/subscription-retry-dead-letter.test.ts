import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, deadLetterRecord, MAX_DEAD_LETTER_ERROR_CHARS } from '../../lib/contract/dead-letter.js';
import { afterFailure, backoffMs, DEFAULT_RETRY_POLICY, maxRetryDelayMs, maxRetryDelayWithRetryAfterMs, type RetryPolicy } from '../../lib/subscriptions/retry-policy.js';
import { retryAfterMs } from '../../lib/subscriptions/targets/retry-after.js';

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 100 }),
  backoff: fc.record({ initialMs: fc.integer({ min: 0, max: 10_000 }), maxMs: fc.integer({ min: 0, max: 600_000 }), multiplier: fc.double({ min: 1, max: 10, noNaN: true }) }),
});

describe('retry policy', () => {
  it('retries exactly maxAttempts - 1 times, then dead-letters', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        let attempts = 1;
        while (afterFailure(policy, attempts).kind === 'retry') attempts++;
        expect(attempts).toBe(policy.maxAttempts);
      }),
    );
  });

  it('backs off without ever shrinking, and never beyond maxMs', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 99 }), (policy, attempts) => {
        expect(backoffMs(policy, attempts + 1)).toBeGreaterThanOrEqual(backoffMs(policy, attempts));
        expect(backoffMs(policy, attempts)).toBeLessThanOrEqual(policy.backoff.maxMs);
      }),
    );
  });

  it("waits what a target's Retry-After asks when that is longer than the backoff, never beyond maxMs, so S4's bound still holds", () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }), { maxLength: 100 }), (policy, asked) => {
        let waited = 0;
        for (let attempts = 1; ; attempts++) {
          const step = afterFailure(policy, attempts, asked[attempts - 1]);
          if (step.kind === 'dead-letter') break;
          const ra = asked[attempts - 1];
          const backoff = backoffMs(policy, attempts);
          expect(step.delayMs).toBe(ra === undefined ? backoff : Math.max(backoff, Math.min(ra, policy.backoff.maxMs)));
          waited += step.delayMs;
        }
        expect(waited).toBeLessThanOrEqual(maxRetryDelayWithRetryAfterMs(policy));
        if (asked.every((a) => a === undefined)) expect(waited).toBe(maxRetryDelayMs(policy));
      }),
    );
  });

  it('bounds how long a poison record waits by default (S4): 1 + 2 + 4 + 8 seconds', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(5);
    expect(maxRetryDelayMs(DEFAULT_RETRY_POLICY)).toBe(15_000);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0, 250);

  it('reads delay-seconds as that many seconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom('', ' '), (seconds, pad) => {
      expect(retryAfterMs(`${pad}${seconds}${pad}`, now)).toBe(seconds * 1000);
    }));
  });

  it('reads an HTTP-date (IMF-fixdate, as toUTCString writes it) as the wait until then, and a past one as none', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400_000, max: 86_400_000 * 30 }), (offset) => {
        const at = now + offset;
        expect(retryAfterMs(new Date(at).toUTCString(), now)).toBe(Math.max(0, Math.floor(at / 1000) * 1000 - now));
      }),
    );
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
  });

  it('ignores anything else: no header, negative or fractional seconds, dates in other forms, garbage', () => {
    for (const v of [undefined, null, '', '-5', '1.5', '1e3', '2026-11-24T12:00:00Z', 'Nov 24 2026', 'soon', 'Mon, 99 Foo 2026 00:00:00 GMT']) expect(retryAfterMs(v, now), String(v)).toBeUndefined();
    fc.assert(fc.property(fc.string(), (text) => {
      const ms = retryAfterMs(text, now);
      if (ms !== undefined) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }));
  });
});

describe('deadLetterRecord', () => {
  const source = { topic: 'orders', partition: 2, offset: 41, consumer: { subscription: 'billing' }, error: new Error('boom'), attempts: 3 };

  it('keeps the record and adds headers naming where it came from and why', () => {
    const record = deadLetterRecord({ key: 'k', value: { a: 1 }, headers: { trace: 't-1' } }, source);
    expect(record).toEqual({
      key: 'k',
      value: { a: 1 },
      headers: {
        trace: 't-1',
        [DEAD_LETTER_HEADERS.topic]: 'orders',
        [DEAD_LETTER_HEADERS.partition]: '2',
        [DEAD_LETTER_HEADERS.offset]: '41',
        [DEAD_LETTER_HEADERS.group]: 'billing',
        [DEAD_LETTER_HEADERS.subscription]: 'billing',
        [DEAD_LETTER_HEADERS.error]: 'boom',
        [DEAD_LETTER_HEADERS.attempts]: '3',
      },
    });
  });

  it('sends bytes as base64 and a client group without a subscription header', () => {
    const record = deadLetterRecord({ key: new Uint8Array([0, 1]), value: new Uint8Array([222, 173, 190, 239]) }, { ...source, consumer: { group: 'g' }, attempts: undefined });
    expect(record).toMatchObject({ key: 'AAE=', keyEncoding: 'base64', value: '3q2+7w==', valueEncoding: 'base64' });
    expect(record.headers[DEAD_LETTER_HEADERS.subscription]).toBeUndefined();
    expect(record.headers[DEAD_LETTER_HEADERS.attempts]).toBeUndefined();
    expect(record.headers[DEAD_LETTER_HEADERS.group]).toBe('g');
  });

  it('cuts the error and leaves it well-formed, whatever the message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (message) => {
        const text = deadLetterRecord({ key: null, value: null }, { ...source, error: new Error(message) }).headers[DEAD_LETTER_HEADERS.error]!;
        expect(text.length).toBeLessThanOrEqual(MAX_DEAD_LETTER_ERROR_CHARS);
        expect(/\p{Surrogate}/u.test(text)).toBe(false);
      }),
    );
  });

  it("keeps a header named __proto__ and lets no record header forge the origin", () => {
    const headers = JSON.parse('{"__proto__":"x","runnel.dlq.topic":"forged"}') as Record<string, string>;
    const record = deadLetterRecord({ key: null, value: 1, headers }, source);
    expect(Object.hasOwn(record.headers, '__proto__')).toBe(true);
    expect(record.headers[DEAD_LETTER_HEADERS.topic]).toBe('orders');
  });
});
