import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startConsoleServer } from '../lib/cli/console-server.js';
import { Runnel } from '../lib/client/index.js';
import { bundleConsole } from '../lib/local/console-bundle.js';
import type { BenchSection, TargetCheck } from './section.js';
import { percentile, round, sleep } from './stats.js';

/** Issue 12: a tail of 1,000 records a second renders without jank. */
const RATE = 1000;
const BATCH_EVERY_MS = 100;
/** A frame longer than this is a visible stutter (three missed frames at 60 Hz). */
const JANK_MS = 50;

/** Shares of the wall time Chromium's main thread spent on tasks: all of them, scripts, and style and layout. */
export interface MainThreadShare {
  busy: number;
  script: number;
  styleAndLayout: number;
}

export interface FrameSummary {
  frames: number;
  framesPerSecond: number;
  frameP50Ms: number;
  frameP99Ms: number;
  frameMaxMs: number;
  /** Frames longer than JANK_MS. */
  longFrames: number;
}

export interface ConsoleTailResult extends FrameSummary {
  recordsPerSecond: number;
  seconds: number;
  produced: number;
  /** Records the page held at the end: all of them when the tail kept up. */
  shown: number;
  /** The browser's own count of long animation frames (over 50 ms of work). */
  longAnimationFrames: number;
  mainThread: MainThreadShare;
  /** The same page before any record arrived. */
  idle: FrameSummary & { mainThread: MainThreadShare };
  loadAverage: number[];
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const shares = (m: MainThreadShare) => [percent(m.busy), percent(m.script), percent(m.styleAndLayout)];

/** requestAnimationFrame timestamps → the intervals between frames. */
function framesOf(times: number[]): FrameSummary {
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const sorted = [...intervals].sort((a, b) => a - b);
  return {
    frames: times.length,
    framesPerSecond: round(times.length / ((times.at(-1)! - times[0]!) / 1000)),
    frameP50Ms: round(percentile(sorted, 50)),
    frameP99Ms: round(percentile(sorted, 99)),
    frameMaxMs: round(sorted.at(-1) ?? NaN),
    longFrames: intervals.filter((d) => d > JANK_MS).length,
  };
}

/**
 * The console's topic page tailing a topic that takes 1,000 records a second, in Chromium (as the
 * browser test drives it), through `runnel console`'s server in front of the bench's stack. The page
 * counts its own frames (requestAnimationFrame) and long animation frames while the records arrive.
 */
export const consoleTailSection: BenchSection<ConsoleTailResult | { skipped: string }> = {
  name: 'console',
  async run(ctx) {
    let executablePath: string;
    try {
      executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    } catch {
      return { results: { skipped: 'no chromium on PATH (apt-get install -y chromium)' }, tables: [] };
    }
    const seconds = ctx.quick ? 4 : 15;
    const topic = 'console-tail';
    const runnel = new Runnel({ url: ctx.stack.url });
    await runnel.admin().createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const server = await startConsoleServer({ apiUrl: ctx.stack.url, assets: await bundleConsole(), port: 0 });
    const browser = await chromium.launch({ executablePath });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${server.url}#/topics/${topic}`);
      await page.getByRole('listbox').waitFor();
      // Chromium's own accounts of its main thread: how much of the wall time it spent on tasks, and on what.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const mainThread = async () => {
        const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
        const of = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
        return { at: performance.now(), task: of('TaskDuration'), script: of('ScriptDuration'), layout: of('LayoutDuration') + of('RecalcStyleDuration') };
      };
      const busy = (from: Awaited<ReturnType<typeof mainThread>>, to: Awaited<ReturnType<typeof mainThread>>): MainThreadShare => {
        const wall = (to.at - from.at) / 1000;
        return { busy: round((to.task - from.task) / wall, 3), script: round((to.script - from.script) / wall, 3), styleAndLayout: round((to.layout - from.layout) / wall, 3) };
      };
      await page.evaluate((jankMs) => {
        const w = globalThis as any;
        w.frames = [] as number[];
        w.longAnimationFrames = 0;
        // A property, not a named const: tsx would wrap a named function in a helper the page lacks.
        w.countFrame = (t: number) => {
          w.frames.push(t);
          w.requestAnimationFrame(w.countFrame);
        };
        w.requestAnimationFrame(w.countFrame);
        new w.PerformanceObserver((list: any) => (w.longAnimationFrames += list.getEntries().filter((e: any) => e.duration > jankMs).length)).observe({ type: 'long-animation-frame' });
      }, JANK_MS);
      // The same page with nothing arriving: how smooth this machine draws it at all, for comparison.
      const idleFrom = await mainThread();
      await sleep(seconds * 300);
      const idleTo = await mainThread();
      const idle = { ...framesOf(await page.evaluate(() => (globalThis as any).frames.splice(0) as number[])), mainThread: busy(idleFrom, idleTo) };
      const producer = runnel.producer({ lingerMs: 5 });
      const perBatch = (RATE * BATCH_EVERY_MS) / 1000;
      let produced = 0;
      const tailFrom = await mainThread();
      const started = performance.now();
      for (let i = 0; performance.now() - started < seconds * 1000; i++) {
        const due = started + i * BATCH_EVERY_MS;
        await sleep(Math.max(0, due - performance.now()));
        const messages = Array.from({ length: perBatch }, (_, j) => ({ key: `customer-${(produced + j) % 97}`, value: { order: produced + j, item: 'book', qty: 1 + (j % 5), note: 'x'.repeat(80) } }));
        void producer.send({ topic, messages });
        produced += perBatch;
      }
      await producer.flush();
      const elapsed = (performance.now() - started) / 1000;
      // The tail's last fetch, then the numbers.
      await page.getByRole('status').filter({ hasText: `${produced.toLocaleString('en-US')} shown` }).waitFor({ timeout: 15_000 }).catch(() => {});
      const tailTo = await mainThread();
      const measured = await page.evaluate(() => {
        const w = globalThis as any;
        const text = String(w.document.querySelector('.panel-actions [role=status]')?.textContent ?? '');
        return { frames: w.frames as number[], longAnimationFrames: w.longAnimationFrames as number, shown: Number(/([\d,]+) shown/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN) };
      });
      await producer.disconnect();
      const result: ConsoleTailResult = {
        recordsPerSecond: round(produced / elapsed),
        seconds: round(elapsed),
        produced,
        shown: measured.shown,
        ...framesOf(measured.frames),
        mainThread: busy(tailFrom, tailTo),
        longAnimationFrames: measured.longAnimationFrames,
        idle,
        loadAverage: loadavg().map((l) => round(l)),
      };
      const targets: TargetCheck[] = [{ target: 'console tail at 1,000 records/s: p99 frame (ms)', scenario: 'Chromium, topic page', value: result.frameP99Ms, limit: JANK_MS, pass: result.frameP99Ms <= JANK_MS }];
      return {
        results: result,
        targets,
        tables: [
          {
            title: `Console: the topic page tailing ${RATE.toLocaleString('en-US')} records/s (Chromium, virtualised list)`,
            columns: ['phase', 'records/s', 'shown', 'frames/s', 'frame p50 ms', 'frame p99 ms', 'frame max ms', `frames > ${JANK_MS} ms`, 'main thread busy', 'script', 'style+layout'],
            rows: [
              ['idle page', 0, '', idle.framesPerSecond, idle.frameP50Ms, idle.frameP99Ms, idle.frameMaxMs, idle.longFrames, ...shares(idle.mainThread)],
              ['tailing', result.recordsPerSecond, `${result.shown} of ${result.produced}`, result.framesPerSecond, result.frameP50Ms, result.frameP99Ms, result.frameMaxMs, result.longFrames, ...shares(result.mainThread)],
            ],
            notes: [
              `long animation frames while tailing (the browser's count of frames with over ${JANK_MS} ms of work): ${result.longAnimationFrames}`,
              `load average ${result.loadAverage.join(', ')}: the browser, the API and the producer share the machine's cores; compare the two rows`,
            ],
          },
        ],
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};
