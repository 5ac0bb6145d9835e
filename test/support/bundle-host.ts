import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

/** A bundle loaded in its own worker thread: its own module graph and environment, like a Lambda instance. */
export interface BundleHost {
  /** Time to import the bundle (module scope: SDK clients, app, caches), in ms. */
  readonly importMs: number;
  invoke<T = any>(event: unknown): Promise<{ result: T; ms: number }>;
  close(): Promise<void>;
}

// Plain JavaScript, run natively by the worker: the bundle is imported exactly as the Lambda runtime would.
const HOST = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
// The SDK warns that Node 20 loses support in 2027; Lambda runs these bundles on Node 22, so the warning
// says nothing about them. Every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning/.test(String(warning && warning.name || warning))) return;
  emitWarning(warning, ...rest);
};
const context = () => {
  const deadline = Date.now() + 30000;
  return {
    callbackWaitsForEmptyEventLoop: true, functionName: workerData.name, functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + workerData.name, memoryLimitInMB: '1024',
    awsRequestId: randomUUID(), logGroupName: '/aws/lambda/' + workerData.name, logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(), done() {}, fail() {}, succeed() {},
  };
};
(async () => {
  const started = performance.now();
  let mod;
  try { mod = await import(workerData.url); } catch (e) { parentPort.postMessage({ ready: false, error: String(e && e.stack || e) }); return; }
  parentPort.postMessage({ ready: true, importMs: performance.now() - started });
  parentPort.on('message', async ({ id, event }) => {
    const t0 = performance.now();
    try {
      const result = await mod.handler(event, context());
      parentPort.postMessage({ id, result, ms: performance.now() - t0 });
    } catch (e) {
      parentPort.postMessage({ id, error: String(e && e.stack || e) });
    }
  });
})();
`;

export async function hostBundle(file: string, name: string, env: Record<string, string>): Promise<BundleHost> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('RUNNEL_')));
  const worker = new Worker(HOST, {
    eval: true,
    workerData: { url: pathToFileURL(file).href, name },
    env: { ...base, AWS_LAMBDA_FUNCTION_NAME: name, ...env },
  });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const importMs = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => (m.ready ? resolve(m.importMs) : reject(new Error(`${name} bundle failed to load: ${m.error}`))));
  });
  worker.on('message', (m) => {
    const waiter = pending.get(m.id);
    if (!waiter) return;
    pending.delete(m.id);
    if (m.error) waiter.reject(new Error(`${name} handler threw: ${m.error}`));
    else waiter.resolve({ result: m.result, ms: m.ms });
  });
  worker.on('error', (e) => {
    for (const w of pending.values()) w.reject(e);
    pending.clear();
  });
  return {
    importMs,
    invoke(event) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, event });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
