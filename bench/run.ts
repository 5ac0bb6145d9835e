import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedStack } from '../lib/local/embedded.js';
import { RequestMeter } from './meter.js';
import { formatTable, targetsTable } from './report.js';
import type { BenchContext, BenchSection, TargetCheck } from './section.js';
import { fetchSection } from './fetch.js';
import { produceSection } from './produce.js';
import { requestCostsSection } from './request-costs.js';
import { targetsSection } from './targets.js';

/**
 * `npm run bench`: the sections below run in order on one embedded local stack (dynalite + s3rver +
 * the HTTP API on a loopback port); each adds its results to bench/results.json and its tables to
 * stdout. To add a section, write a module exporting a BenchSection and add it to this list.
 */
const SECTIONS: BenchSection[] = [
  produceSection,
  fetchSection,
  requestCostsSection,
  targetsSection,
];

const here = dirname(fileURLToPath(import.meta.url));

/**
 * bench/cold-start.ts is written separately; when present, its `coldStartSection` (a BenchSection) or
 * its default export (a function of the context returning results) runs after the sections above.
 */
async function optionalSections(): Promise<BenchSection[]> {
  if (!existsSync(join(here, 'cold-start.ts'))) return [];
  const specifier = './cold-start.js';
  const mod = (await import(specifier)) as { coldStartSection?: BenchSection; default?: (ctx: BenchContext) => Promise<unknown> };
  if (mod.coldStartSection) return [mod.coldStartSection];
  const fn = mod.default;
  if (typeof fn === 'function') return [{ name: 'coldStart', run: async (ctx) => ({ results: await fn(ctx), tables: [] }) }];
  return [];
}

const quick = process.env.BENCH_QUICK === '1';
const maxTailEntries = Number(process.env.BENCH_MAX_TAIL_ENTRIES ?? NaN);
const logOptions = Number.isInteger(maxTailEntries) && maxTailEntries > 0 ? { maxTailEntries } : {};
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const dataDir = mkdtempSync(join(tmpdir(), 'runnel-bench-'));
const started = Date.now();
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
const stack = await startEmbeddedStack({ dataDir, port: 0 });
const meter = new RequestMeter().attach(stack.runnel.clients);
const ctx: BenchContext = { stack, meter, results: new Map(), quick, logOptions, log };
const targets: TargetCheck[] = [];
const failures: string[] = [];
try {
  for (const section of [...SECTIONS, ...(await optionalSections())]) {
    log(`section ${section.name}`);
    try {
      const report = await section.run(ctx);
      ctx.results.set(section.name, report.results);
      targets.push(...(report.targets ?? []));
      for (const table of report.tables) console.log(`\n${formatTable(table)}`);
    } catch (e) {
      failures.push(`${section.name}: ${(e as Error).stack ?? e}`);
      log(`section ${section.name} failed: ${(e as Error).message}`);
    }
  }
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

if (targets.length) console.log(`\n${formatTable(targetsTable(targets))}`);
const output = {
  timestamp: new Date().toISOString(),
  quick,
  durationSeconds: Math.round((Date.now() - started) / 1000),
  machine: {
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    /** Other work on the machine skews every figure; these say how busy it was. */
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  },
  stack: 'embedded: dynalite + s3rver + Runnel HTTP API in one Node process, loopback only',
  sections: Object.fromEntries(ctx.results),
  targets,
  failures,
};
// Only a full run with the default options replaces the committed results.
const file = join(here, quick || Object.keys(logOptions).length ? 'results.explore.json' : 'results.json');
writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
log(`wrote ${file}`);
if (failures.length) {
  console.error(`\n${failures.length} section(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
