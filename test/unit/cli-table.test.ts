import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { table } from '../../lib/cli/output.js';

/** cli-table3, borderless and three spaces apart: the layout lib/cli/output.ts's `table` reproduces without it. */
function oracle(head: string[], rows: string[][], numeric: number[]): string {
  const border = ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid', 'middle'];
  const t = new Table({
    head,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3 },
    chars: Object.fromEntries(border.map((c) => [c, ''])),
    colAligns: head.map((_, i) => (numeric.includes(i) ? 'right' : 'left')),
  });
  for (const row of rows) t.push(row);
  return t.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}

// Printable ASCII, CJK, Hangul, fullwidth forms and a combining accent; cli-table3 measures with string-width.
const cell = fc.stringMatching(/^[ -~一-龥가-힣Ａ-Ｚ\u0301]{0,12}$/).filter((s) => s.trim() === s && !s.startsWith('\u0301'));

describe('the CLI table', () => {
  it('lays out columns exactly as cli-table3 does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((cols) =>
        fc.record({
          head: fc.array(cell.filter((s) => s.length > 0), { minLength: cols, maxLength: cols }),
          rows: fc.array(fc.array(cell.filter((s) => s.length > 0), { minLength: cols, maxLength: cols }), { maxLength: 5 }),
          numeric: fc.subarray([...Array(cols).keys()]),
        }),
      ), ({ head, rows, numeric }) => {
        expect(table(head, rows, numeric)).toBe(oracle(head, rows, numeric));
      }),
    );
  });

  it('shows a missing value as -', () => {
    expect(table(['TOPIC', 'LAG'], [['orders', null], ['audit', 3]], [1])).toBe('TOPIC    LAG\norders     -\naudit      3');
  });
});
