import { once } from 'node:events';
import { isRunnelHttpError } from '../client/errors.js';

// Wide East Asian characters (CJK, Hangul, fullwidth forms) and emoji take two terminal columns;
// combining marks and format characters none.
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

/** The columns a string takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

/**
 * A plain table for human output: borderless columns three spaces apart, as kubectl prints them (easy
 * to read, and to grep and cut); `numeric` columns are right-aligned. A few lines of our own rather than
 * a table library, which would be seven of the client package's eleven installed packages.
 */
export function table(head: string[], rows: Array<Array<string | number | null | undefined>>, numeric: number[] = []): string {
  const lines = [head, ...rows.map((row) => row.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = head.map((_, i) => Math.max(...lines.map((line) => displayWidth(line[i] ?? ''))));
  const pad = (cell: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - displayWidth(cell));
    return numeric.includes(i) ? fill + cell : cell + fill;
  };
  return lines.map((line) => head.map((_, i) => pad(line[i] ?? '', i)).join('   ').trimEnd()).join('\n');
}

/** Writes to stdout, waiting when the pipe is full so a slow reader bounds memory. */
export async function writeOut(data: string | Buffer): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
}

export const printLine = (line: string): void => void process.stdout.write(`${line}\n`);

/** Progress of a long operation, to stderr so stdout stays clean for pipes; only to a terminal. */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly quiet = false) {
    this.enabled = !quiet && process.stderr.isTTY === true;
  }

  update(describe: (elapsedSeconds: number) => string): void {
    if (!this.enabled || Date.now() - this.last < 250) return;
    this.last = Date.now();
    process.stderr.write(`\r\x1b[2K${describe((Date.now() - this.started) / 1000)}`);
  }

  /** Clears the progress line and prints a one-line summary (unless quiet). */
  done(summary: string): void {
    if (this.enabled && this.last) process.stderr.write('\r\x1b[2K');
    if (!this.quiet) process.stderr.write(`${summary}\n`);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}

/** `1 record`, `2 records`. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** One line for stderr: the server's code and message, or the error's message. */
export function errorLine(error: unknown): string {
  if (isRunnelHttpError(error)) return `runnel: ${error.message}${error.code.startsWith('http_') ? '' : ` (${error.code})`}`;
  if (error instanceof Error) return `runnel: ${error.message}`;
  return `runnel: ${String(error)}`;
}
