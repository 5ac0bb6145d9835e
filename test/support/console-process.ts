import type { ChildProcessWithoutNullStreams, ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

type ConsoleChild = ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>;

/**
 * The page URL a spawned `runnel console` prints once it serves. Rejects when the process exits first,
 * or, with `failOnStderr`, as soon as it writes to stderr (an installed CLI has nothing to warn about).
 */
export function consolePageUrl(child: ConsoleChild, { failOnStderr = false } = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      const m = /Runnel console at (\S+)/.exec((out += d));
      if (m) resolve(m[1]!);
    });
    if (failOnStderr) child.stderr.on('data', (d) => reject(new Error(`runnel console: ${d}`)));
    child.on('exit', (code) => reject(new Error(`runnel console exited (${code}): ${out}`)));
  });
}
