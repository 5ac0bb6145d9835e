/**
 * `npm run build`: what is published, assembled in dist/ (gitignored) from this repository's sources.
 *
 *   dist/lambdas/<fn>/index.mjs   one self-contained ESM bundle per handler in lambdas/, deployed as is by
 *                                 the construct (here, and from the published package)
 *   dist/packages/client/         runnel-streams: the client, the CLI (bin `runnel`), the wire contract
 *                                 and the codecs they share, compiled to ESM with declarations, and the
 *                                 web console's static files (dist/console/) that `runnel console` serves
 *   dist/packages/cdk/            runnel-streams-cdk: the construct, compiled, with the Lambda bundles
 *
 * `npm pack dist/packages/client` (or `.../cdk`) packs one. The repository's own package.json is private: it
 * is the workshop, these two are what users install (README, "Install").
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { apiS3Requests } from '../cdk/bundling/api-s3-requests.js';
import { lambdaEnvironmentConfig } from '../cdk/bundling/lambda-environment-config.js';
import { noS3Express } from '../cdk/bundling/no-s3-express.js';
import { noEndpointCache } from '../cdk/bundling/no-endpoint-cache.js';
import { noRegionRedirects } from '../cdk/bundling/no-region-redirects.js';
import { nodeNativeChecksums } from '../cdk/bundling/node-native-checksums.js';
import { nodeStreams } from '../cdk/bundling/node-streams.js';
import { prebuiltOpenApi } from '../cdk/bundling/prebuilt-openapi.js';
import { sdkPackageVersions } from '../cdk/bundling/sdk-package-versions.js';
import { sdkSchemaKeys } from '../cdk/bundling/sdk-schema-keys.js';
import { sigV4Only } from '../cdk/bundling/sigv4-only.js';
import { standardRetries } from '../cdk/bundling/standard-retries.js';
import { SIGNING_PACKAGES } from '../lib/client/sigv4.js';
import { CONCERNS } from '../lib/contract/routes.js';
import { WEBSOCKET_PACKAGE } from '../lib/client/wake-channel.js';
import { writeConsoleAssets } from '../lib/local/console-bundle.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LAMBDA_BUNDLES = join(ROOT, 'dist/lambdas');
export const PACKAGES = join(ROOT, 'dist/packages');

interface Manifest {
  name: string;
  version: string;
  description: string;
  license: string;
  type: 'module';
  engines: Record<string, string>;
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
  files: string[];
  sideEffects: boolean | string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional: true }>;
}

const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** A dependency's range as this repository declares it, so that a package and its tests agree. */
function rangeOf(name: string): string {
  const range = rootManifest.dependencies[name] ?? rootManifest.devDependencies[name];
  if (!range) throw new Error(`${name} is not a dependency of this repository`);
  return range;
}

const common = { version: rootManifest.version, license: rootManifest.license, type: 'module' as const, engines: rootManifest.engines, files: ['dist'] };

/**
 * The client package. SigV4 signing and the AWS credential chain are optional peers (lib/client/sigv4.ts),
 * loaded by dynamic import when signing is asked for, and so is `ws` (lib/client/wake-channel.ts);
 * `checkImports` holds the code to that.
 */
export const CLIENT_PACKAGE: Manifest = {
  name: 'runnel-streams',
  description: "Client and CLI for Runnel, serverless event streaming on AWS with Kafka's model (KafkaJS-shaped API).",
  ...common,
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
  bin: { runnel: 'dist/cli/main.js' },
  // Only the CLI's entry point runs anything on import.
  sideEffects: ['./dist/cli/main.js'],
  dependencies: Object.fromEntries(['commander', 'p-retry'].map((n) => [n, rangeOf(n)])),
  // ws gives Node 20 the WebSocket an idle consumer's wake socket needs (Node 22 has its own).
  peerDependencies: Object.fromEntries([...SIGNING_PACKAGES, WEBSOCKET_PACKAGE].map((n) => [n, rangeOf(n)])),
  peerDependenciesMeta: Object.fromEntries([...SIGNING_PACKAGES, WEBSOCKET_PACKAGE].map((n) => [n, { optional: true as const }])),
};

/** The construct package: no runtime dependencies of its own, since the Lambda code ships bundled. */
export const CDK_PACKAGE: Manifest = {
  name: 'runnel-streams-cdk',
  description: 'AWS CDK construct for Runnel: S3 and DynamoDB storage, one Lambda per concern behind an HTTP API, with prebuilt bundles.',
  ...common,
  exports: { '.': { types: './dist/cdk/runnel.d.ts', default: './dist/cdk/runnel.js' }, './package.json': './package.json' },
  sideEffects: false,
  peerDependencies: { 'aws-cdk-lib': `^${rangeOf('aws-cdk-lib').replace(/^\D*/, '')}`, constructs: `^${rangeOf('constructs').replace(/^\D*/, '')}` },
};

/** tsc with a project of its own, from scratch: the client's (composite, so incremental) would not re-emit deleted outputs. */
async function compile(project: string): Promise<void> {
  rmSync(join(ROOT, 'dist/tsbuildinfo', basename(project).replace(/^tsconfig\.build-(\w+)\.json$/, '$1.json')), { force: true });
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: ROOT, stdio: 'inherit' });
  const status = await new Promise<number | null>((resolve, reject) => tsc.on('error', reject).on('close', resolve));
  if (status !== 0) throw new Error(`tsc -p ${project} failed (exit ${status})`);
}

const handlers = (): string[] =>
  readdirSync(join(ROOT, 'lambdas'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();

/** esbuild's metafile of the Lambda bundles: what each one holds, read by their freshness check and test/package/lambda-bundles.test.ts. */
export const METAFILE = join(LAMBDA_BUNDLES, 'meta.json');

/**
 * True when every bundle is newer than everything that went into it (its metafile's inputs, this
 * script, its esbuild plugins in cdk/bundling, and the lock files: npm stamps the files it installs with a fixed 1985
 * date, so an updated dependency shows only there), and there is one per handler: then
 * `buildLambdaBundles` has nothing to do.
 */
export function lambdaBundlesFresh(): boolean {
  if (!existsSync(METAFILE)) return false;
  const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile & { handlers: string[] };
  if (meta.handlers.join() !== handlers().join()) return false;
  const built = statSync(METAFILE).mtimeMs;
  const locks = [join(ROOT, 'package-lock.json'), join(ROOT, 'node_modules/.package-lock.json')].filter((f) => existsSync(f));
  const plugins = readdirSync(join(ROOT, 'cdk/bundling')).map((f) => join(ROOT, 'cdk/bundling', f));
  const inputs = [...Object.keys(meta.inputs).map((f) => join(ROOT, f)), fileURLToPath(import.meta.url), ...plugins, ...locks];
  return inputs.every((f) => existsSync(f) && statSync(f).mtimeMs < built);
}

/**
 * How the Lambda bundles take the AWS SDK: whole, as tested, less what a Lambda function never runs
 * (each stand-in in cdk/bundling says why; test/package/lambda-sdk.test.ts holds their premises).
 */
export const LAMBDA_SDK_OPTIONS = {
  alias: {
    // Lambda hands the role's keys over in the environment: the rest of the SDK's default chain would
    // only be parsed at every cold start.
    '@aws-sdk/credential-provider-node': join(ROOT, 'cdk/bundling/lambda-credentials.ts'),
    // No operation we send streams events; the codec would only be parsed at every cold start.
    '@smithy/core/event-streams': join(ROOT, 'cdk/bundling/no-event-streams.ts'),
  },
  plugins: [sdkSchemaKeys, sdkPackageVersions, lambdaEnvironmentConfig, nodeNativeChecksums, nodeStreams, noEndpointCache, noRegionRedirects, noS3Express, sigV4Only, standardRetries],
} satisfies Pick<BuildOptions, 'alias' | 'plugins'>;

/**
 * One ESM bundle per handler, each with every dependency inside (the SDK included: the tests run exactly
 * the SDK that ships). ESM starts faster than CJS on nodejs22.x; esbuild's CJS interop needs a real
 * `require` for the Node built-ins that CJS dependencies load, hence the banner.
 */
export async function buildLambdaBundles(): Promise<void> {
  rmSync(LAMBDA_BUNDLES, { recursive: true, force: true });
  const names = handlers();
  const bundle = (entries: string[], plugins: Plugin[]) =>
    build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(entries.map((n) => [`${n}/index`, `lambdas/${n}.ts`])),
      outdir: LAMBDA_BUNDLES,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      // The only comments esbuild would keep are dependencies' coverage hints (`v8 ignore ... @preserve`).
      legalComments: 'none',
      mainFields: ['module', 'main'],
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      ...LAMBDA_SDK_OPTIONS,
      // Each function's own first: the first plugin to load a file is the one that does.
      plugins: [...plugins, ...LAMBDA_SDK_OPTIONS.plugins],
      metafile: true,
      logLevel: 'warning',
    });
  // The API functions leave out the S3 requests only maintenance sends (cdk/bundling/api-s3-requests.ts),
  // and the admin function's OpenAPI document is built now rather than at its first request
  // (cdk/bundling/prebuilt-openapi.ts).
  const api = names.filter((n) => (CONCERNS as readonly string[]).includes(n));
  const [apiResult, restResult] = await Promise.all([bundle(api, [...apiS3Requests, prebuiltOpenApi]), bundle(names.filter((n) => !api.includes(n)), [])]);
  const inputs = { ...restResult.metafile.inputs, ...apiResult.metafile.inputs };
  const outputs = { ...restResult.metafile.outputs, ...apiResult.metafile.outputs };
  writeFileSync(METAFILE, JSON.stringify({ handlers: names, inputs, outputs }));
}

function writePackage(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ['README.md', 'LICENSE']) cpSync(join(ROOT, file), join(dir, file));
}

/**
 * The bare imports of a package's compiled entry points, found by esbuild following every relative
 * import: each must be declared, and an optional peer may only be loaded by dynamic import.
 */
async function checkImports(dir: string, manifest: Manifest, entryPoints: string[]): Promise<void> {
  const { metafile } = await build({ absWorkingDir: dir, entryPoints, outdir: 'unwritten', bundle: true, write: false, platform: 'node', format: 'esm', packages: 'external', metafile: true, logLevel: 'silent' });
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const optional = new Set(Object.keys(manifest.peerDependenciesMeta ?? {}));
  const problems: string[] = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue;
      const pkg = imp.path.split('/').slice(0, imp.path.startsWith('@') ? 2 : 1).join('/');
      if (!declared.has(pkg)) problems.push(`${file} imports ${imp.path}, which ${manifest.name} does not declare`);
      else if (optional.has(pkg) && imp.kind !== 'dynamic-import') problems.push(`${file} imports the optional peer ${imp.path} statically`);
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
}

export async function buildClientPackage(): Promise<string> {
  const dir = join(PACKAGES, 'client');
  rmSync(dir, { recursive: true, force: true });
  await compile('tsconfig.build-client.json');
  // The web console's static files, beside the compiled CLI, for `runnel console` (lib/cli/console-assets.ts).
  await writeConsoleAssets(join(dir, 'dist/console'));
  writePackage(dir, CLIENT_PACKAGE);
  await checkImports(dir, CLIENT_PACKAGE, ['dist/index.js', 'dist/cli/main.js']);
  return dir;
}

export async function buildCdkPackage(): Promise<string> {
  const dir = join(PACKAGES, 'cdk');
  rmSync(dir, { recursive: true, force: true });
  await compile('tsconfig.build-cdk.json');
  // The compiled construct finds the bundles beside it, at ../lambdas (cdk/runnel.ts, `bundleDir`).
  cpSync(LAMBDA_BUNDLES, join(dir, 'dist/lambdas'), { recursive: true, filter: (src) => src !== METAFILE });
  writePackage(dir, CDK_PACKAGE);
  await checkImports(dir, CDK_PACKAGE, ['dist/cdk/runnel.js']);
  return dir;
}

/** Both packages, from the Lambda bundles already in dist/lambdas; the two compiles run side by side. */
export async function buildPackages(): Promise<void> {
  mkdirSync(PACKAGES, { recursive: true });
  for (const dir of await Promise.all([buildClientPackage(), buildCdkPackage()])) console.log(`built ${relative(ROOT, dir)}`);
}

export async function buildAll(): Promise<void> {
  await buildLambdaBundles();
  await buildPackages();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv[2] ?? 'all';
  if (what === 'lambdas') await buildLambdaBundles();
  else if (what === 'all') await buildAll();
  else throw new Error(`npm run build [lambdas]: unknown target ${what}`);
}
