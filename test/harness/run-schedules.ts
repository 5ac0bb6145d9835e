import type { Backend } from '../support/stack.js';
import { check } from './checker.js';
import { ScheduleRunner } from './runner.js';
import { generateSchedule } from './schedule.js';

export interface ScheduleFailure {
  seed: number;
  backend: Backend;
  violations: string[];
}

export const replayCommand = (seed: number, backend: Backend) => `npm run soak -- --schedules 1 --seed ${seed} --backend ${backend}`;

export function describeFailure(f: ScheduleFailure): string {
  const shown = f.violations.slice(0, 8).map((v) => `    - ${v}`);
  if (f.violations.length > shown.length) shown.push(`    - … and ${f.violations.length - shown.length} more`);
  return [`  seed ${f.seed} on ${f.backend}: replay with \`${replayCommand(f.seed, f.backend)}\``, ...shown].join('\n');
}

/**
 * Runs the schedules for seeds `firstSeed` … `firstSeed + count - 1` on one backend, one after another
 * (each on fresh tables), and returns those that broke an invariant. A schedule that throws is a failure too.
 */
export async function runSchedules(backend: Backend, firstSeed: number, count: number, maxFailures = Number(process.env.HARNESS_MAX_FAILURES ?? 5)): Promise<ScheduleFailure[]> {
  const failures: ScheduleFailure[] = [];
  for (let seed = firstSeed; seed < firstSeed + count && failures.length < maxFailures; seed++) {
    const failure = await runOne(backend, seed);
    if (failure) {
      failures.push(failure);
      // Printed at once, so a long soak shows its seeds as it finds them.
      console.error(`fault schedule failed:\n${describeFailure(failure)}`);
    }
  }
  return failures;
}

export async function runOne(backend: Backend, seed: number): Promise<ScheduleFailure | undefined> {
  const schedule = generateSchedule(seed);
  try {
    const violations = check(await new ScheduleRunner(backend, schedule).run());
    return violations.length ? { seed, backend, violations } : undefined;
  } catch (e) {
    return { seed, backend, violations: [`the run threw: ${(e as Error).stack ?? e}`] };
  }
}
