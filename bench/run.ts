import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedStack } from '../lib/local/embedded.js';
import { applyLatencyProfile } from './latency-profile.js';
import { RequestMeter } from './meter.js';
import { LoadGenerator, startEmulatorProcesses, type EmulatorProcess } from './processes.js';
import { RoundTripRecorder } from './round-trips.js';
import { formatTable, targetsTable } from './report.js';
import type { BenchContext, BenchSection, SectionReport, TargetCheck } from './section.js';
import { clientSection } from './client.js';
import { compactionSection } from './compaction.js';
import { consoleTailSection } from './console-tail.js';
import { costSection } from './cost.js';
import { fetchSection } from './fetch.js';
import { groupsSection } from './groups.js';
import { idleSection } from './idle.js';
import { produceSection } from './produce.js';
import { requestCostsSection } from './request-costs.js';
import { subscriptionsSection } from './subscriptions.js';
import { targetsSection } from './targets.js';

/**
 * `npm run bench`: the sections below run in order on one embedded local stack (the HTTP API on a
 * loopback port in this process; dynalite, s3rver and the load generator each in a process of its
 * own); each adds its results to bench/results.json and its tables to
 * stdout. To add a section, write a module exporting a BenchSection and add it to this list.
 * `npm run bench -- --section compaction` runs only the named sections (repeat the flag for more);
 * their results go to bench/results.<names>.json, leaving the full run's results.json alone.
 */
const SECTIONS: BenchSection[] = [
  produceSection,
  fetchSection,
  requestCostsSection,
  groupsSection,
  clientSection,
  compactionSection,
  subscriptionsSection,
  idleSection,
  consoleTailSection,
  costSection,
  targetsSection,
  // New sections go here, before or after targetsSection: the PASS/MISS table prints last either way.
];

const here = dirname(fileURLToPath(import.meta.url));

/**
 * bench/cold-start.ts is written separately and may not exist yet. When it does, it runs after the
 * sections above: its `coldStartSection` if it exports a BenchSection by that name, else its default
 * export or its only exported function, called with the context; what that returns goes into
 * results.json under "coldStart" (a `{ results, tables }` report is unpacked).
 */
async function optionalSections(): Promise<BenchSection[]> {
  if (!existsSync(join(here, 'cold-start.ts'))) return [];
  const specifier = './cold-start.js';
  const mod = (await import(specifier)) as Record<string, unknown>;
  if (isSection(mod.coldStartSection)) return [mod.coldStartSection];
  const functions = Object.values(mod).filter((v): v is (ctx: BenchContext) => Promise<unknown> => typeof v === 'function');
  const fn = typeof mod.default === 'function' ? (mod.default as (ctx: BenchContext) => Promise<unknown>) : functions.length === 1 ? functions[0] : undefined;
  if (!fn) throw new Error('bench/cold-start.ts exports neither coldStartSection, a default function, nor exactly one function');
  return [
    {
      name: 'coldStart',
      run: async (ctx) => {
        const out = await fn(ctx);
        return isReport(out) ? out : { results: out, tables: [] };
      },
    },
  ];
}

const isSection = (v: unknown): v is BenchSection => typeof v === 'object' && v !== null && 'name' in v && typeof (v as BenchSection).run === 'function';
const isReport = (v: unknown): v is SectionReport => typeof v === 'object' && v !== null && 'results' in v && Array.isArray((v as SectionReport).tables);

const quick = process.env.BENCH_QUICK === '1';
const args = process.argv.slice(2);
const only = args.flatMap((arg, i) => (arg === '--section' && args[i + 1] ? [args[i + 1]!] : []));
const unknown = only.filter((name) => !SECTIONS.some((s) => s.name === name) && name !== 'coldStart');
if (unknown.length) throw new Error(`unknown bench section(s): ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}, coldStart`);
const maxTailEntries = Number(process.env.BENCH_MAX_TAIL_ENTRIES ?? NaN);
const logOptions = Number.isInteger(maxTailEntries) && maxTailEntries > 0 ? { maxTailEntries } : {};
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const dataDir = mkdtempSync(join(tmpdir(), 'runnel-bench-'));
const started = Date.now();
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
// Maintenance (retention, orphan sweep) runs on a schedule of its own on AWS; here it would land in the
// middle of a measurement and in its request counts, so it does not run during the bench.
let emulators: EmulatorProcess[] = [];
const stack = await startEmbeddedStack({
  dataDir,
  port: 0,
  maintenanceIntervalMs: 24 * 60 * 60 * 1000,
  startEmulators: async (dir) => {
    const started = await startEmulatorProcesses(dir);
    emulators = [started.dynamo, started.s3];
    return started;
  },
});
const loadGenerator = await LoadGenerator.start();
const meter = new RequestMeter().attach(stack.runnel.clients);
const roundTrips = new RoundTripRecorder().attach(stack.runnel.clients);
const latencyProfile = applyLatencyProfile(stack.runnel.clients);
const ctx: BenchContext = { stack, meter, processes: { loadGenerator, emulators }, latencyProfile, roundTrips, results: new Map(), quick, logOptions, log };
const targets: TargetCheck[] = [];
const failures: string[] = [];
try {
  const sections = [...SECTIONS];
  try {
    sections.push(...(await optionalSections()));
  } catch (e) {
    failures.push(`coldStart: ${(e as Error).message}`);
  }
  for (const section of sections.filter((s) => only.length === 0 || only.includes(s.name))) {
    log(`section ${section.name}`);
    try {
      latencyProfile.disable();
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
  latencyProfile.disable();
  await loadGenerator.stop();
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
  stack: 'embedded, loopback only: the Runnel HTTP API in the bench process; dynalite, s3rver and the load generator each in a Node process of its own',
  sections: Object.fromEntries(ctx.results),
  targets,
  failures,
};
// Only a full run with the default options replaces the committed results.
const file = join(
  here,
  quick || Object.keys(logOptions).length ? 'results.explore.json' : only.length ? `results.${only.join('+')}.json` : 'results.json',
);
writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
log(`wrote ${file}`);
if (failures.length) {
  console.error(`\n${failures.length} section(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
