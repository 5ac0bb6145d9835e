import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

/**
 * `npm run soak -- --schedules N --seed S [--backend dynalite|dynamodb-local|both]`: runs N fault
 * schedules from seed S through vitest (which starts the emulators), and prints each failing seed with
 * its replay command. Without --seed it starts from a random one, and says which.
 */
const { values } = parseArgs({
  options: {
    schedules: { type: 'string', default: '200' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'both' },
  },
});
const backends = ['dynalite', 'dynamodb-local', 'both'];
if (!backends.includes(values.backend!)) {
  console.error(`--backend must be one of ${backends.join(', ')}`);
  process.exit(2);
}
if (!/^\d+$/.test(values.schedules!) || !(values.seed === undefined || /^\d+$/.test(values.seed))) {
  console.error('--schedules and --seed must be non-negative integers');
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`soak: ${values.schedules} schedule(s) from seed ${seed} on ${values.backend}`);
const run = spawnSync('npx', ['vitest', 'run', 'test/fault-harness.test.ts', '-t', 'fault schedules'], {
  stdio: 'inherit',
  env: { ...process.env, HARNESS_SCHEDULES: values.schedules, HARNESS_SEED: seed, HARNESS_BACKEND: values.backend },
});
process.exit(run.status ?? 1);
