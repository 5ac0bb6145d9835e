import type { Table, TargetCheck } from './section.js';

const cell = (v: string | number) => (typeof v === 'number' ? (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '–') : v);

/** A plain-text table: left-aligned text, right-aligned numbers. */
export function formatTable(table: Table): string {
  const rows = table.rows.map((r) => r.map(cell));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[], raw?: Array<string | number>) =>
    cells.map((c, i) => (typeof raw?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((r, i) => out.push(line(r, table.rows[i])));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

export function targetsTable(checks: TargetCheck[]): Table {
  return {
    title: 'Targets',
    columns: ['target', 'scenario', 'value', 'limit', 'verdict'],
    rows: checks.map((c) => [c.target, c.scenario, c.value, c.limit, c.pass ? 'PASS' : 'MISS']),
  };
}
