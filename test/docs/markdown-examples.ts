import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The fenced examples of the docs, as docs/CONTRIBUTING-docs.md describes them: sh, console and ts
 * blocks run; `<!-- not-run: reason -->` right before a fence skips it, visibly; other languages are
 * text.
 */
export type RunnableLanguage = 'sh' | 'console' | 'ts';
const RUNNABLE = new Set<string>(['sh', 'console', 'ts']);

export interface Example {
  /** Relative to the repository root, e.g. `README.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: RunnableLanguage;
  code: string;
  /** The reason given in a not-run marker; undefined for a block that runs. */
  notRun?: string;
}

/** One thing to run and, if the doc shows it, what it must print. */
export interface Step {
  /** 1-based line in the markdown file where the step's code starts. */
  line: number;
  code: string;
  expected?: string;
}

const NOT_RUN = /^<!--\s*not-run:\s*(.+?)\s*-->$/;

/** The sh, console and ts blocks of one markdown text, in order. */
export function examplesIn(file: string, markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, fence, language] = open;
    let end = i + 1;
    while (end < lines.length && lines[end] !== fence) end++;
    if (RUNNABLE.has(language!)) {
      const marker = i > 0 ? NOT_RUN.exec(lines[i - 1]!.trim()) : null;
      examples.push({
        file,
        line: i + 1,
        language: language as RunnableLanguage,
        code: lines.slice(i + 1, end).join('\n'),
        ...(marker ? { notRun: marker[1]! } : {}),
      });
    }
    i = end;
  }
  return examples;
}

/** README.md, then docs/*.md in name order: the files whose examples run. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), ...docs].map((f) => relative(root, f));
}

export function examplesOf(root: string, file: string): Example[] {
  return examplesIn(file, readFileSync(join(root, file), 'utf8'));
}

const EXPECTED = /^# → ?(.*)$/;
const CONTINUED = /^#\s{2,}(\S.*)$/;

/**
 * Whether a shell line leaves its command open for the next line: a trailing backslash, or a quote
 * still open (a multi-line JSON body in single quotes). `open` is the quote open at the line's start.
 */
export function scanShellLine(line: string, open: "'" | '"' | null): { open: "'" | '"' | null; continues: boolean } {
  let quote = open;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = null;
    } else if (c === '\\') {
      if (i === line.length - 1) return { open: null, continues: true };
      i++;
    } else if (c === "'" || c === '"') quote = c;
    // A comment runs to the end of the line: its apostrophes are not quotes.
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
  }
  return { open: quote, continues: quote !== null };
}

/**
 * An sh block's steps: one per command (a command runs over several lines while a quote is open or a
 * line ends in a backslash). The `# →` lines right under a command are its expected stdout, one line
 * each; `#` lines indented under a `# →` line continue it and are joined to it with nothing between.
 */
export function shSteps(example: Example): Step[] {
  const steps: Step[] = [];
  let current: Step | undefined;
  let open: "'" | '"' | null = null;
  let continues = false;
  let last: 'code' | 'expected' | 'other' = 'other';
  example.code.split('\n').forEach((line, i) => {
    if (continues) {
      current!.code += `\n${line}`;
      ({ open, continues } = scanShellLine(line, open));
      return;
    }
    const arrow = EXPECTED.exec(line);
    const more = last === 'expected' ? CONTINUED.exec(line) : null;
    if (arrow && current && last !== 'other') {
      current.expected = current.expected === undefined ? arrow[1]! : `${current.expected}\n${arrow[1]}`;
      last = 'expected';
    } else if (more && current) {
      current.expected += more[1]!;
    } else if (line.trim() === '' || line.trim().startsWith('#')) {
      last = 'other';
    } else {
      current = { line: example.line + 1 + i, code: line };
      steps.push(current);
      ({ open, continues } = scanShellLine(line, null));
      last = 'code';
    }
  });
  return steps;
}

/** A console block's steps: each `$ command` line and the lines under it, its expected output. */
export function consoleSteps(example: Example): Step[] {
  const steps: Step[] = [];
  example.code.split('\n').forEach((line, i) => {
    if (line.startsWith('$ ')) steps.push({ line: example.line + 1 + i, code: line.slice(2), expected: '' });
    else if (steps.length) steps.at(-1)!.expected = steps.at(-1)!.expected ? `${steps.at(-1)!.expected}\n${line}` : line;
  });
  return steps;
}

/** A ts block's expected stdout: its own-line `// →` comments, in order. */
export function tsExpected(example: Example): string {
  return example.code
    .split('\n')
    .map((l) => /^\s*\/\/ → ?(.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .join('\n');
}

/** One line per example: where it is, whether it runs, and its first command; for the docs test's report. */
export function listing(root: string): string {
  const out: string[] = [];
  for (const file of docFiles(root)) {
    const examples = examplesOf(root, file);
    if (!examples.length) continue;
    out.push(`${file}: ${examples.filter((e) => !e.notRun).length} run, ${examples.filter((e) => e.notRun).length} not run`);
    for (const e of examples) {
      const first = e.code.split('\n').find((l) => l.trim() !== '' && !/^\s*(#|\/\/)/.test(l))?.trim() ?? '';
      out.push(`  ${String(e.line).padStart(4)} ${e.language.padEnd(7)} ${e.notRun ? `not run (${e.notRun})` : 'runs'}: ${first.length > 90 ? `${first.slice(0, 89)}…` : first}`);
    }
  }
  return out.join('\n');
}
