import Table from 'cli-table3';
import { once } from 'node:events';
import { isRunnelHttpError } from '../client/errors.js';

const BORDER_CHARS = ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid', 'middle'];

/** A plain table for human output; `align` right-aligns numeric columns. */
export function table(head: string[], rows: Array<Array<string | number | null | undefined>>, numeric: number[] = []): string {
  const t = new Table({
    head,
    // Borderless columns, as kubectl prints them: easy to read, and to grep and cut.
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3 },
    chars: Object.fromEntries(BORDER_CHARS.map((c) => [c, ''])),
    colAligns: head.map((_, i) => (numeric.includes(i) ? 'right' : 'left')),
  });
  for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '-' : String(c))));
  return t.toString().split('\n').map((line) => line.trimEnd()).join('\n');
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
