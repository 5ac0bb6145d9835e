import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NormalizedSchema } from '@smithy/core/schema';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_SDK_OPTIONS, ROOT } from '../../bin/build.js';

/**
 * The premises of the SDK stand-ins in the Lambda bundles (cdk/bundling, `LAMBDA_SDK_OPTIONS`): that no
 * operation Runnel sends needs what they leave out, and that a client built as the bundles build it
 * still takes its settings from the environment, and only from there.
 */

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? sources(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));

/** Every SDK command that lib/ imports, by client package. */
function commandsImported(): Map<string, Set<string>> {
  const byClient = new Map<string, Set<string>>();
  for (const file of sources(join(ROOT, 'lib'))) {
    for (const [, names, pkg] of readFileSync(file, 'utf8').matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
      for (const name of names!.split(',').map((n) => n.trim())) {
        if (/^\w+Command$/.test(name)) (byClient.get(pkg!) ?? byClient.set(pkg!, new Set()).get(pkg!)!).add(name);
      }
    }
  }
  return byClient;
}

describe('the Lambda bundles’ AWS SDK', () => {
  it('sends no operation with an event stream, which cdk/bundling/no-event-streams.ts leaves out', async () => {
    const commands = commandsImported();
    expect([...commands.keys()].sort()).toEqual(['@aws-sdk/client-apigatewaymanagementapi', '@aws-sdk/client-dynamodb', '@aws-sdk/client-lambda', '@aws-sdk/client-s3']);
    const withEventStreams: string[] = [];
    for (const [pkg, names] of commands) {
      const client = (await import(pkg)) as Record<string, new (input: object) => { schema: unknown[] }>;
      for (const name of names) {
        const [, , , , input, output] = new client[name]!({}).schema;
        if (NormalizedSchema.of(input as never).getEventStreamMember() || NormalizedSchema.of(output as never).getEventStreamMember()) withEventStreams.push(name);
      }
    }
    expect(withEventStreams).toEqual([]);
  });

  describe('built as the bundles build it', () => {
    const work = mkdtempSync(join(tmpdir(), 'runnel-lambda-sdk-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** The S3 client's resolved settings, from a bundle run in a child process with `env`. */
    async function resolvedConfig(env: Record<string, string>) {
      const entry = join(work, 'entry.ts');
      writeFileSync(
        entry,
        `import { S3Client } from '@aws-sdk/client-s3';
const c = new S3Client({});
let refusal = '';
try { c.config.eventStreamMarshaller.serialize(); } catch (e) { refusal = e.message; }
console.log(JSON.stringify({ region: await c.config.region(), maxAttempts: await c.config.maxAttempts(), useFipsEndpoint: await c.config.useFipsEndpoint(), refusal }));`,
      );
      const outfile = join(work, 'bundle.mjs');
      await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', mainFields: ['module', 'main'], nodePaths: [join(ROOT, 'node_modules')], logLevel: 'silent', ...LAMBDA_SDK_OPTIONS,
        banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" } });
      const { execFileSync } = await import('node:child_process');
      return JSON.parse(execFileSync(process.execPath, [outfile], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' })) as Record<string, unknown>;
    }

    it('takes the region and settings from the environment, and reads no shared config file', async () => {
      const home = join(work, 'home');
      mkdirSync(join(home, '.aws'), { recursive: true });
      writeFileSync(join(home, '.aws/config'), '[default]\nregion = ap-south-2\nmax_attempts = 9\nuse_fips_endpoint = true\n');
      expect(await resolvedConfig({ HOME: home, AWS_REGION: 'eu-west-3', AWS_MAX_ATTEMPTS: '5' })).toMatchObject({ region: 'eu-west-3', maxAttempts: 5, useFipsEndpoint: false });
    });

    it('refuses an event stream, saying why', async () => {
      const { refusal } = await resolvedConfig({ AWS_REGION: 'eu-west-3' });
      expect(refusal).toMatch(/leave out the AWS SDK's event streams/);
    });
  });
});
