import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './startup-error.js';

/** Directories this process holds, so that a pid file naming this process can tell a live holder from a stale one. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a data directory for one dev server. Two servers on one directory would corrupt dynalite's
 * store (its own lock fails late, as an uncaught error on the first request), so the second is refused
 * at start. The claim is a pid file; one left by a server that was killed names a dead process and is
 * taken over. Returns the release.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'runnel.pid');
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(dir);
      return () => {
        held.delete(dir);
        rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readFileSync(file, 'utf8').trim());
    const live = pid === process.pid ? held.has(dir) : Number.isInteger(pid) && pid > 0 && isAlive(pid);
    if (live) {
      throw new StartupError(`data directory ${dir} is in use by another dev server (pid ${pid}); stop that one, or set RUNNEL_DATA_DIR to another directory`);
    }
    rmSync(file, { force: true });
  }
}
