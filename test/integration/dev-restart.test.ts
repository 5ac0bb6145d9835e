import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';


/** Starts `npm run dev`'s entry point and resolves with the URL it prints. */
function startDev(dataDir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  // node --import tsx runs the server in this one process, so SIGKILL really kills the server (the
  // tsx binary would leave its child running).
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/dev.ts'], { env: { ...process.env, RUNNEL_DATA_DIR: dataDir, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exited });
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}: ${out} ${err}`)));
  });
}

describe('the embedded stack (npm run dev)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runnel-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged record through a SIGKILL during heavy produce', async () => {
    const first = await startDev(dataDir);
    await fetch(`${first.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'durable', partitions: 4 }) });
    const acked: Array<{ partition: number; offset: number; value: string }> = [];
    let killed = false;
    const producer = async (id: number) => {
      for (let i = 0; !killed; i++) {
        const records = Array.from({ length: 20 }, (_, j) => ({ key: `k${id}-${j}`, value: `${id}-${i}-${j}` }));
        try {
          const res = await fetch(`${first.url}/v1/topics/durable/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
          if (res.status !== 200) continue;
          const body = (await res.json()) as { offsets: Array<{ partition: number; offset: number }> };
          body.offsets.forEach((o, j) => acked.push({ ...o, value: records[j]!.value }));
        } catch {
          return; // the server died mid-request: that request was never acknowledged
        }
      }
    };
    const producing = Promise.all([0, 1, 2, 3, 4, 5].map(producer));
    while (acked.length < 600) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    killed = true;
    await producing;
    await first.exited;

    const second = await startDev(dataDir);
    try {
      for (const partition of [0, 1, 2, 3]) {
        const mine = acked.filter((a) => a.partition === partition);
        const res = await fetch(`${second.url}/v1/topics/durable/partitions/${partition}/records?offset=0&limit=10000&maxBytes=4194304`);
        const body = (await res.json()) as { records: Array<{ offset: number; value: string }> };
        const byOffset = new Map(body.records.map((r) => [r.offset, r.value]));
        for (const a of mine) expect(byOffset.get(a.offset)).toBe(a.value);
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
