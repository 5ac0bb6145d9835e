import { ClosedLoopLoad, type SliceOptions } from './load.js';
import type { LoadOperation, LoadSpec } from './processes.js';
import { serveParent } from './child.js';

/** The load generator's process: builds loads from their specs and runs their slices when asked. */
const loads = new Map<number, { load: ClosedLoopLoad; operation: LoadOperation }>();
let nextId = 0;
const loadOf = (id: number) => {
  const l = loads.get(id);
  if (!l) throw new Error(`no load ${id}`);
  return l;
};

serveParent(
  {
    async create({ module, factory, args }: LoadSpec) {
      const mod = (await import(new URL(module, import.meta.url).href)) as Record<string, (args: unknown) => Promise<LoadOperation>>;
      if (typeof mod[factory] !== 'function') throw new Error(`${module} exports no function ${factory}`);
      const operation = await mod[factory](args);
      const id = nextId++;
      loads.set(id, { load: new ClosedLoopLoad((w) => operation.op(w)), operation });
      return id;
    },
    slice: ({ id, options }: { id: number; options: SliceOptions }) => loadOf(id).load.slice(options),
    result: ({ id }: { id: number }) => loadOf(id).load.result(),
    async close({ id }: { id: number }) {
      await loadOf(id).operation.close?.();
      loads.delete(id);
    },
  },
  async () => {
    for (const { operation } of loads.values()) await operation.close?.();
  },
);
