import { join } from 'node:path';
import type { Emulator } from '../lib/local/emulators.js';
import { ChildHelper, cpuMs } from './child.js';
import type { LoadResult, SliceOptions } from './load.js';

/** An emulator in its own process: its endpoint, and the CPU that process has used. */
export interface EmulatorProcess extends Emulator {
  helper: ChildHelper;
}

async function startEmulatorProcess(kind: 'dynalite' | 's3rver', directory: string): Promise<EmulatorProcess> {
  const helper = await ChildHelper.start(kind, './emulator-process.ts', [kind, directory]);
  try {
    const endpoint = await helper.call<string>('start');
    return { endpoint, helper, close: () => helper.stop() };
  } catch (e) {
    await helper.stop();
    throw e;
  }
}

/** dynalite and s3rver, each in a process of its own, for lib/local/embedded.ts's `startEmulators`. */
export async function startEmulatorProcesses(dataDir: string): Promise<{ dynamo: EmulatorProcess; s3: EmulatorProcess }> {
  const [dynamo, s3] = await Promise.allSettled([startEmulatorProcess('dynalite', join(dataDir, 'dynamodb')), startEmulatorProcess('s3rver', join(dataDir, 's3'))]);
  if (dynamo.status === 'fulfilled' && s3.status === 'fulfilled') return { dynamo: dynamo.value, s3: s3.value };
  for (const r of [dynamo, s3]) if (r.status === 'fulfilled') await r.value.close();
  throw (dynamo.status === 'rejected' ? dynamo.reason : (s3 as PromiseRejectedResult).reason) as Error;
}

/**
 * What a load runs, named so that the load generator process can build it: `module` (a file in bench/,
 * as './floor.js') exports `factory`, which takes `args` (anything that survives structured cloning)
 * and returns the operation each closed-loop worker repeats, and what to close afterwards.
 */
export interface LoadSpec {
  module: string;
  factory: string;
  args: unknown;
}

/** The shape `factory` returns. */
export interface LoadOperation {
  op(worker: number): Promise<void>;
  close?(): void | Promise<void>;
}

/** A ClosedLoopLoad that lives in the load generator process; the same slice/result calls. */
export class RemoteLoad {
  constructor(
    private readonly generator: ChildHelper,
    private readonly id: number,
  ) {}

  slice(options: SliceOptions): Promise<void> {
    return this.generator.call('slice', { id: this.id, options });
  }

  result(): Promise<LoadResult> {
    return this.generator.call('result', { id: this.id });
  }

  close(): Promise<void> {
    return this.generator.call('close', { id: this.id });
  }
}

/** The load generator: a process of its own that runs closed-loop loads for the bench's sections. */
export class LoadGenerator {
  private constructor(readonly helper: ChildHelper) {}

  static async start(): Promise<LoadGenerator> {
    return new LoadGenerator(await ChildHelper.start('load generator', './load-process.ts'));
  }

  async load(spec: LoadSpec): Promise<RemoteLoad> {
    return new RemoteLoad(this.helper, await this.helper.call<number>('create', spec));
  }

  stop(): Promise<void> {
    return this.helper.stop();
  }
}

/** The processes of a bench run besides its own (which serves the Runnel HTTP API). */
export interface BenchProcesses {
  loadGenerator: LoadGenerator;
  /** dynalite and s3rver. */
  emulators: EmulatorProcess[];
}

/** CPU ms used so far by the bench's own process and each of its helper processes. */
export async function cpuByProcess(processes: BenchProcesses): Promise<Record<string, number>> {
  const entries = await Promise.all(
    [processes.loadGenerator.helper, ...processes.emulators.map((e) => e.helper)].map(async (h) => [h.name, await h.cpuMs()] as const),
  );
  return { server: cpuMs(), ...Object.fromEntries(entries) };
}
