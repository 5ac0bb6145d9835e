import type { EmbeddedStack } from '../lib/local/embedded.js';
import type { LogOptions } from '../lib/log/partition-log.js';
import type { LatencyProfileSwitch } from './latency-profile.js';
import type { RequestMeter } from './meter.js';
import type { BenchProcesses } from './processes.js';
import type { RoundTripRecorder } from './round-trips.js';

/** A printable table: a title, column headings and rows of already formatted cells. */
export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  notes?: string[];
}

/** One figure checked against a target from issue 2. */
export interface TargetCheck {
  target: string;
  scenario: string;
  value: number;
  limit: number;
  /** How value compares with limit for a pass. */
  pass: boolean;
}

export interface SectionReport<R = unknown> {
  /** Goes into results.json under the section's name. */
  results: R;
  tables: Table[];
  targets?: TargetCheck[];
}

/** What every section gets: the running stack, its request meter, and the results of the sections before it. */
export interface BenchContext {
  /** Runnel in this process; its emulators in processes of their own (`processes`). */
  stack: EmbeddedStack;
  meter: RequestMeter;
  /** The load generator's process and the emulators', for loads run outside this one and their CPU. */
  processes: BenchProcesses;
  /** AWS-like service times on the stack's storage clients (bench/latency-profile.ts); off unless a section turns it on, and back off after it. */
  latencyProfile: LatencyProfileSwitch;
  /** Traces the stack's storage calls per operation (bench/round-trips.ts). */
  roundTrips: RoundTripRecorder;
  /** Section results so far, by section name. */
  results: Map<string, unknown>;
  /** Quick mode (BENCH_QUICK=1): shorter windows, for checking the bench itself, not for figures. */
  quick: boolean;
  /**
   * Log options to explore (BENCH_MAX_TAIL_ENTRIES=n). When set, produce goes through a second Runnel
   * built with them on the same storage, since the embedded stack uses the defaults.
   */
  logOptions: Partial<LogOptions>;
  log(message: string): void;
}

/**
 * A bench section. Adding one to `npm run bench` is writing a module that exports a BenchSection
 * and adding it to the list in bench/run.ts.
 */
export interface BenchSection<R = unknown> {
  /** Key in results.json. */
  name: string;
  run(ctx: BenchContext): Promise<SectionReport<R>>;
}

/** The results of an earlier section, for sections that build on them (fetch reads what produce wrote). */
export function resultsOf<R>(ctx: BenchContext, section: BenchSection<R>): R {
  if (!ctx.results.has(section.name)) throw new Error(`bench section "${section.name}" must run before this one`);
  return ctx.results.get(section.name) as R;
}
