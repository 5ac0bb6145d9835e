import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export interface StepResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * One bash process for all the sh and console blocks of a doc, so that `URL=…` in one block is there
 * in the next, as for a reader typing them into one terminal. Each step's stdin is /dev/null (a
 * command reading stdin must not eat the steps after it), and a sentinel line ends each step's output.
 */
export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private exited = false;

  constructor(options: { cwd: string; env: NodeJS.ProcessEnv; prelude: string }) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: options.cwd, env: options.env, detached: true });
    this.bash.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.bash.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.bash.on('exit', () => (this.exited = true));
    this.bash.stdin.write(`${options.prelude}\n`);
  }

  /** Runs a step; `mergeStderr` for a console transcript, which shows both streams together. */
  async run(code: string, options: { mergeStderr: boolean; timeoutMs: number }): Promise<StepResult> {
    const sentinel = `__docs_step_${randomUUID()}`;
    this.stdout = '';
    this.stderr = '';
    const redirect = options.mergeStderr ? '< /dev/null 2>&1' : '< /dev/null';
    this.bash.stdin.write(`{\n${code}\n} ${redirect}\n__docs_rc=$?; printf '\\n${sentinel} %d\\n' "$__docs_rc"; printf '${sentinel}\\n' >&2\n`);
    const done = new RegExp(`\\n${sentinel} (\\d+)\\n$`);
    const deadline = Date.now() + options.timeoutMs;
    while (!(done.test(this.stdout) && this.stderr.endsWith(`${sentinel}\n`))) {
      if (this.exited) throw new Error(`the shell exited during the step\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (Date.now() > deadline) {
        this.close();
        throw new Error(`the step did not finish within ${options.timeoutMs / 1000} s (an example that never ends needs a not-run marker)\nstdout so far: ${this.stdout}\nstderr so far: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const status = Number(done.exec(this.stdout)![1]);
    return { status, stdout: this.stdout.replace(done, ''), stderr: this.stderr.slice(0, -`${sentinel}\n`.length) };
  }

  /** Ends the shell and anything a step left running in its process group. */
  close(): void {
    if (this.exited || this.bash.pid === undefined) return;
    try {
      process.kill(-this.bash.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
