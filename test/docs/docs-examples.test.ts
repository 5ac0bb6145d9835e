import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, type DevStack } from './dev-stack.js';
import { consoleSteps, docFiles, examplesOf, listing, shSteps, tsExpected, type Example, type Step } from './markdown-examples.js';
import { outputMatches } from './output-match.js';
import { ShellSession } from './shell-session.js';

/**
 * Every sh, console and ts example of README.md and docs/*.md, run in order against a fresh `npm run
 * dev` per file, its output compared with what the doc shows. The conventions: docs/CONTRIBUTING-docs.md.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC_URL = 'http://127.0.0.1:7430';
const STEP_TIMEOUT_MS = 45_000;

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
const cliBin = join(ROOT, typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.runnel ?? 'bin/runnel.js'));

/** The environment of the examples: the test's server as the CLI's default, and no AWS settings. */
function exampleEnv(url: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('RUNNEL_') && name !== 'NODE_OPTIONS'));
  return { ...env, RUNNEL_URL: url };
}

function expectOutput(where: string, expected: string, actual: string): void {
  // toBe on a mismatch shows the two texts side by side.
  if (!outputMatches(expected, actual)) expect(actual.trim(), `${where}: the output differs from the doc's (… matches anything; docs/CONTRIBUTING-docs.md)`).toBe(expected);
}

/** A ts example as a module inside the repository, so that an import of the package's own name resolves to it. */
async function runTs(example: Example, url: string, dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${example.file.replace(/\W/g, '_')}-${example.line}.ts`);
  writeFileSync(file, example.code.replaceAll(DOC_URL, url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: exampleEnv(url) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

afterAll(() => {
  // The list the closing note quotes: which examples ran, and which were skipped and why.
  console.log(`Doc examples (docs/CONTRIBUTING-docs.md):\n${listing(ROOT)}`);
});

for (const file of docFiles(ROOT)) {
  const examples = examplesOf(ROOT, file);
  if (!examples.length) continue;

  describe(file, () => {
    const runs = examples.some((e) => !e.notRun);
    let work: string;
    let tsDir: string;
    let stack: DevStack;
    let shell: ShellSession;

    beforeAll(async () => {
      if (!runs) return;
      work = mkdtempSync(join(tmpdir(), 'runnel-docs-'));
      tsDir = join(ROOT, '.docs-examples', `${process.pid}-${file.replace(/\W/g, '_')}`);
      mkdirSync(tsDir, { recursive: true });
      stack = await startDevStack(ROOT, join(work, 'data'));
      const prelude = [
        // `runnel` and `npx runnel` are this repository's CLI; any other npx is npx.
        `runnel() { node ${JSON.stringify(cliBin)} "$@"; }`,
        'npx() { if [ "$1" = runnel ]; then shift; runnel "$@"; else command npx "$@"; fi; }',
      ].join('\n');
      shell = new ShellSession({ cwd: work, env: exampleEnv(stack.url), prelude });
    });

    afterAll(async () => {
      if (!runs) return;
      shell?.close();
      await stack?.stop();
      rmSync(tsDir, { recursive: true, force: true });
      try {
        rmdirSync(join(ROOT, '.docs-examples'));
      } catch {
        // Another file's examples are still running there.
      }
      rmSync(work, { recursive: true, force: true });
    });

    for (const example of examples) {
      const name = `${file}:${example.line} ${example.language}`;
      if (example.notRun !== undefined) {
        it.skip(`${name} — not run: ${example.notRun}`, () => {});
        continue;
      }
      it(name, { timeout: 10 * STEP_TIMEOUT_MS }, async () => {
        if (example.language === 'ts') {
          const run = await runTs(example, stack.url, tsDir);
          expect(run.status, `${name} exited ${run.status}:\n${run.stderr}`).toBe(0);
          expectOutput(name, tsExpected(example).replaceAll(DOC_URL, stack.url), run.stdout);
          return;
        }
        const steps: Step[] = example.language === 'sh' ? shSteps(example) : consoleSteps(example);
        for (const step of steps) {
          const where = `${file}:${step.line}`;
          const mergeStderr = example.language === 'console';
          const run = await shell.run(step.code.replaceAll(DOC_URL, stack.url), { mergeStderr, timeoutMs: STEP_TIMEOUT_MS });
          if (!mergeStderr) expect(run.status, `${where} exited ${run.status}:\n${step.code}\n${run.stderr}`).toBe(0);
          if (step.expected !== undefined) expectOutput(where, step.expected.replaceAll(DOC_URL, stack.url), run.stdout);
        }
      });
    }
  });
}
