import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBase64 } from '../../lib/api/base64.js';

/** The check the produce schema used before the one-pass scanner: the oracle the scanner must agree with. */
const BASE64_SYNTAX = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const byRegex = (s: string) => BASE64_SYNTAX.test(s) && Buffer.from(s.slice(-4), 'base64').toString('base64') === s.slice(-4);

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('isBase64', () => {
  it('accepts and refuses exactly what the regex and a Buffer round trip of the last quantum do', () => {
    // Mostly base64 characters and padding, so that near misses are common; now and then anything else.
    const unit = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...DIGITS, '=') },
      { weight: 1, arbitrary: fc.constantFrom('-', '_', ' ', '\n', '\r', '\0', 'é', '\u0100', '\ud800', '😀') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    );
    const nearMiss = fc.string({ unit, maxLength: 24 });
    // Real base64 of random bytes, then perhaps one character replaced (often the one before the padding).
    const mutated = fc
      .tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.constantFrom(...DIGITS, '=', '.', 'é'), fc.boolean())
      .map(([bytes, at, c, mutate]) => {
        const s = Buffer.from(bytes).toString('base64');
        if (!mutate || s.length === 0) return s;
        const i = at % 3 === 0 ? Math.max(0, s.replace(/=+$/, '').length - 1) : at % s.length;
        return s.slice(0, i) + c + s.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(nearMiss, mutated), (s) => {
        expect(isBase64(s)).toBe(byRegex(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts the canonical base64 of any bytes, and refuses non-zero padding bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(isBase64(Buffer.from(bytes).toString('base64'))).toBe(true);
      }),
    );
    for (const bad of ['AB==', 'AAB=', 'A===', '====', 'AAAA=', 'AA=A', 'AAA', 'AA==AA==']) expect(isBase64(bad), bad).toBe(false);
    for (const good of ['', 'AA==', 'AAE=', 'AAAA', '+/+/']) expect(isBase64(good), good).toBe(true);
  });
});
