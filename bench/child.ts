import { fork, type ChildProcess } from 'node:child_process';

/** CPU a process has used, in ms (process.cpuUsage() summed over user and system). */
export const cpuMs = (usage: NodeJS.CpuUsage = process.cpuUsage()) => (usage.user + usage.system) / 1000;

interface Request {
  id: number;
  method: string;
  params: unknown;
}

type Reply = { id: number; value: unknown } | { id: number; error: string };

/**
 * A bench helper in a Node process of its own (forked with this process's flags, so it runs TypeScript
 * through tsx as the bench does), called by request and reply over the IPC channel. Every helper
 * answers `cpuMs`, so the bench can say how much CPU each process burned.
 */
export class ChildHelper {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`${name}: ${m.error}`));
      else p.resolve(m.value);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${signal ?? code}) before answering`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Forks `module` (a file next to this one) and waits until it says it is ready. */
  static async start(name: string, module: string, args: string[] = []): Promise<ChildHelper> {
    // The SDK's notice that it will want Node 22 would otherwise print once per process.
    const execArgv = [...process.execArgv, '--disable-warning=NodeVersionSupportWarning'];
    const child = fork(new URL(module, import.meta.url), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const helper = new ChildHelper(name, child);
    await helper.call('ready');
    return helper;
  }

  call<T>(method: string, params?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, params } satisfies Request);
    });
  }

  cpuMs(): Promise<number> {
    return this.call<number>('cpuMs');
  }

  /** Asks the helper to finish its own work and exit; kills it if it has not within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The child's side: answers requests with `handlers` (plus `ready` and `cpuMs`); `stop` runs
 * `onStop` and exits. A child whose parent goes away exits too, so no emulator outlives the bench.
 */
export function serveParent(handlers: Record<string, (params: any) => unknown>, onStop: () => Promise<void> = async () => {}): void {
  const all: Record<string, (params: any) => unknown> = { ready: () => true, cpuMs: () => cpuMs(), ...handlers };
  const stop = async () => {
    await onStop().catch((e) => console.error(e));
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('message', async ({ id, method, params }: Request) => {
    if (method === 'stop') {
      process.send!({ id, value: true } satisfies Reply, () => void stop());
      return;
    }
    try {
      const handler = all[method];
      if (!handler) throw new Error(`no method ${method}`);
      process.send!({ id, value: (await handler(params)) ?? null } satisfies Reply);
    } catch (e) {
      process.send!({ id, error: (e as Error).stack ?? String(e) } satisfies Reply);
    }
  });
}
