import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, CDK_PACKAGE, CLIENT_PACKAGE, LAMBDA_BUNDLES, PACKAGES, ROOT } from '../../bin/build.js';
import { CONSOLE_FILES } from '../../lib/cli/console-assets.js';
import { bundlesIn, readTemplate, synthWithCli } from '../support/lambda-bundles.js';
import { consolePageUrl } from '../support/console-process.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/**
 * What a user gets: `npm run build`, `npm pack` of both packages, and an install of the tarballs into
 * scratch projects outside this repository, used the way a user would use them, with no tsx and none of
 * our sources. Installs prefer npm's cache (offline when it holds everything); the CDK app's aws-cdk-lib and
 * constructs, and TypeScript's Node types, are linked from this repository's node_modules rather than
 * downloaded again.
 */
const MAX_CLIENT_BYTES = 5 * 1024 * 1024;
const MAX_CLIENT_PACKAGES = 10;

const work = mkdtempSync(join(tmpdir(), 'runnel-pack-'));
const clientApp = join(work, 'client-app');
const cdkApp = join(work, 'cdk-app');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; asynchronously, since the stack it talks to is served by this process. */
function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const clean = { ...process.env, ...env };
  // vitest's loader hooks must not leak into the user's node.
  delete clean.NODE_OPTIONS;
  const child = spawn(command, args, { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function ok(pending: Promise<Run>, what: string): Promise<Run> {
  const run = await pending;
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

const npm = (args: string[], cwd: string): Promise<Run> => ok(sh('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], cwd), `npm ${args.join(' ')}`);

const packedFiles: Record<string, string[]> = {};

async function pack(dir: string): Promise<string> {
  const out = await npm(['pack', dir, '--pack-destination', work, '--json'], ROOT);
  const [packed] = JSON.parse(out.stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
  packedFiles[packed!.name] = packed!.files.map((f) => f.path);
  return join(work, packed!.filename);
}

async function project(dir: string, tarballs: string[], flags: string[] = []): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await npm(['install', ...flags, ...tarballs], dir);
}

/** Every installed package (each directory with a package.json under node_modules, nested ones too) and their bytes on disk. */
function installed(nodeModules: string): { packages: string[]; bytes: number } {
  const packages: string[] = [];
  let bytes = 0;
  const walk = (dir: string, inNodeModules: boolean): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (inNodeModules && !entry.name.startsWith('@') && !entry.name.startsWith('.')) packages.push(path.slice(nodeModules.length + 1));
        walk(path, entry.name === 'node_modules' || (inNodeModules && entry.name.startsWith('@')));
      } else if (entry.isFile()) bytes += statSync(path).size;
    }
  };
  walk(nodeModules, true);
  return { packages, bytes };
}

const link = (app: string, name: string): void => {
  mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
};

let clientInstall: { packages: string[]; bytes: number };

beforeAll(async () => {
  // The Lambda bundles are fresh (test/support/lambda-bundles-setup.ts), and other test files read them.
  await buildPackages();
  await project(clientApp, [await pack(join(PACKAGES, 'client'))]);
  clientInstall = installed(join(clientApp, 'node_modules'));
  console.log(
    `${CLIENT_PACKAGE.name} installs in ${(clientInstall.bytes / 1024 / 1024).toFixed(2)} MB with ${clientInstall.packages.length} packages: ${clientInstall.packages.join(', ')}`,
  );
  // aws-cdk-lib and constructs are the construct's peers: the user's app brings them.
  await project(cdkApp, [await pack(join(PACKAGES, 'cdk'))], ['--legacy-peer-deps']);
  link(cdkApp, 'aws-cdk-lib');
  link(cdkApp, 'constructs');
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`the ${CLIENT_PACKAGE.name} package`, () => {
  it(`installs in at most 5 MB and ${MAX_CLIENT_PACKAGES} packages, with no server dependency`, () => {
    expect(clientInstall.bytes).toBeLessThanOrEqual(MAX_CLIENT_BYTES);
    expect(clientInstall.packages.length).toBeLessThanOrEqual(MAX_CLIENT_PACKAGES);
    for (const heavy of ['@aws-sdk', 'hono', 'tsx', 'esbuild', 'zod', 'typescript']) expect(clientInstall.packages.filter((p) => p === heavy || p.startsWith(`${heavy}/`))).toEqual([]);
  });

  it("ships only its manifest, README, LICENSE, compiled JavaScript with declarations, and the web console's files", () => {
    const consoleFiles = Object.keys(CONSOLE_FILES).map((name) => `dist/console/${name}`);
    for (const name of [CLIENT_PACKAGE.name, CDK_PACKAGE.name]) {
      const files = packedFiles[name]!;
      expect(files, name).toContain('package.json');
      const expected = (f: string) => ['package.json', 'README.md', 'LICENSE'].includes(f) || /^dist\/.*\.(js|mjs|d\.ts)$/.test(f) || (name === CLIENT_PACKAGE.name && consoleFiles.includes(f));
      expect(files.filter((f) => !expected(f)), name).toEqual([]);
    }
    expect(packedFiles[CLIENT_PACKAGE.name]).toContain('dist/cli/main.js');
    expect(packedFiles[CLIENT_PACKAGE.name]).toEqual(expect.arrayContaining(consoleFiles));
  });

  for (const backend of BACKENDS) {
    describe(`against a served stack on ${backend}`, () => {
      let stack: TestStack;
      let served: ServedRunnel;
      beforeAll(async () => {
        stack = await createTestStack(backend);
        served = await serveRunnel(stack.runnel);
      });
      afterAll(async () => {
        await served?.close();
      });

      it('produces and consumes from a plain node ESM script', async () => {
        writeFileSync(
          join(clientApp, 'produce-consume.mjs'),
          `import { Runnel } from '${CLIENT_PACKAGE.name}';
const runnel = new Runnel({ url: process.env.RUNNEL_URL });
await runnel.admin().createTopics({ topics: [{ topic: 'packed', numPartitions: 2 }] });
const producer = runnel.producer();
await producer.connect();
await producer.send({ topic: 'packed', messages: [{ key: 'a', value: { n: 1 } }, { key: 'b', value: 'two' }, { key: 'a', value: null }] });
await producer.disconnect();
const consumer = runnel.consumer({ groupId: 'packed-readers' });
await consumer.connect();
await consumer.subscribe({ topics: ['packed'], fromBeginning: true });
const seen = [];
await new Promise((resolve, reject) => {
  consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(message.key.toString() + '=' + JSON.stringify(message.value));
      if (seen.length === 3) resolve();
    },
  }).catch(reject);
});
await consumer.disconnect();
// Grouped by key; a key's records keep their partition's order.
console.log(seen.sort((x, y) => x[0].localeCompare(y[0])).join(' '));
`,
        );
        const run = await ok(sh(process.execPath, ['produce-consume.mjs'], clientApp, { RUNNEL_URL: served.url }), 'the node script');
        expect(run.stdout.trim()).toBe('a={"n":1} a=null b="two"');
      });

      it('runs the installed CLI: a real command, through the package bin', async () => {
        const bin = join(clientApp, 'node_modules/.bin/runnel');
        await ok(sh(bin, ['topics', 'create', 'cli-packed', '--partitions', '3', '--url', served.url], clientApp), 'runnel topics create');
        const list = await ok(sh(bin, ['topics', 'list', '--url', served.url], clientApp), 'runnel topics list');
        expect(list.stdout).toMatch(/cli-packed/);
      });

      it('serves the web console with the installed CLI: `runnel console` serves the page and passes its API calls on', async () => {
        const child = spawn(join(clientApp, 'node_modules/.bin/runnel'), ['console', '--url', served.url, '--port', '0'], { cwd: clientApp, stdio: ['ignore', 'pipe', 'pipe'] });
        try {
          const pageUrl = await consolePageUrl(child, { failOnStderr: true });
          const page = await fetch(pageUrl);
          expect(page.status).toBe(200);
          expect(await page.text()).toContain('<script type="module" src="console.js"></script>');
          const script = await fetch(new URL('console.js', pageUrl));
          expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
          expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
          const topics = (await (await fetch(new URL('/v1/topics', pageUrl))).json()) as { topics: Array<{ name: string }> };
          expect(topics.topics.map((t) => t.name)).toContain('cli-packed');
        } finally {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          expect(await exited).toBe(0);
        }
      });
    });
  }

  it('runs the installed CLI without tsx: --help, and the time it takes', async () => {
    const bin = join(clientApp, 'node_modules/.bin/runnel');
    const help = await ok(sh(bin, ['--help'], clientApp), 'runnel --help');
    expect(help.stdout).toMatch(/^Usage: runnel /m);
    expect(help.stdout).toContain(CLIENT_PACKAGE.name);
    // Reported, not asserted (timings belong in the bench): the median of a few runs next to a bare node's.
    const median = async (f: () => Promise<Run>): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await f();
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[2]!;
    };
    const cli = await median(() => sh(bin, ['--help'], clientApp));
    const bare = await median(() => sh(process.execPath, ['-e', ''], clientApp));
    console.log(`runnel --help through the installed bin: ${cli.toFixed(0)} ms median (a bare node -e '': ${bare.toFixed(0)} ms)`);
  });

  it('says in one line what to install when SigV4 signing is asked for without its optional peers', async () => {
    const run = await sh(join(clientApp, 'node_modules/.bin/runnel'), ['topics', 'list', '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com', '--sigv4'], clientApp, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/is not installed \(npm install @smithy\/signature-v4 @aws-crypto\/sha256-js @aws-sdk\/credential-provider-node\)/);
    // `runnel console --sigv4` says so at start, before it serves anything.
    const consoleRun = await sh(join(clientApp, 'node_modules/.bin/runnel'), ['console', '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com', '--sigv4', '--port', '0'], clientApp, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(consoleRun.status).toBe(1);
    expect(consoleRun.stderr.trim().split('\n')).toHaveLength(1);
    expect(consoleRun.stderr).toMatch(/cannot sign with SigV4: .*is not installed \(npm install @smithy\/signature-v4/);
  });

  it('type-checks a strict TypeScript project against its declarations (exactOptionalPropertyTypes, no skipLibCheck)', async () => {
    link(clientApp, '@types/node');
    writeFileSync(
      join(clientApp, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(clientApp, 'consumer.ts'),
      `import { Runnel, isRunnelHttpError, type EachMessagePayload, type ProducerRecord, type RecordMetadata } from '${CLIENT_PACKAGE.name}';

const runnel = new Runnel({ url: 'http://127.0.0.1:7430', sigv4: false });
const record: ProducerRecord = { topic: 'orders', messages: [{ key: 'customer-1', value: { item: 'book' }, headers: { source: 'web' } }] };
const producer = runnel.producer({ lingerMs: 0 });
const sent: RecordMetadata[] = await producer.send(record);
const consumer = runnel.consumer({ groupId: 'billing' });
await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
await consumer.run({
  eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
    console.log(topic, partition, message.offset, message.key?.toString(), sent.length);
  },
});
try {
  await runnel.admin().createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });
} catch (error) {
  if (isRunnelHttpError(error)) console.log(error.status, error.code);
}
`,
    );
    const run = await sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', clientApp], clientApp);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe(`the ${CDK_PACKAGE.name} package`, () => {
  it('synthesizes a scratch CDK app that instantiates the construct, offline, deploying the bundles the tests run', () => {
    writeFileSync(
      join(cdkApp, 'app.mjs'),
      `import { App, Stack } from 'aws-cdk-lib';
import { Runnel } from '${CDK_PACKAGE.name}';
const app = new App();
new Runnel(new Stack(app, 'Scratch'), 'Runnel');
app.synth();
`,
    );
    const outdir = join(work, 'cdk.out');
    synthWithCli(outdir, {}, { cwd: cdkApp, app: `${process.execPath} app.mjs` });
    expect(Object.keys(readTemplate(outdir, 'Scratch').Resources).length).toBeGreaterThan(0);
    const bundles = bundlesIn(outdir, 'Scratch');
    const built = readdirSync(LAMBDA_BUNDLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(bundles.map((b) => b.name)).toEqual(built.sort());
    for (const bundle of bundles) expect(readFileSync(bundle.file).equals(readFileSync(join(LAMBDA_BUNDLES, bundle.name, 'index.mjs'))), bundle.name).toBe(true);
  });
});
