import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface DevStack {
  url: string;
  stop(): Promise<void>;
}

/**
 * `npm run dev` as a reader runs it (its entry, lib/local/dev.ts), on a port the OS picks and a data
 * directory of its own, so each doc starts from an empty stack.
 */
export async function startDevStack(root: string, dataDir: string): Promise<DevStack> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', RUNNEL_DATA_DIR: dataDir };
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'lib/local/dev.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Runnel is running at (\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the dev server exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
}
