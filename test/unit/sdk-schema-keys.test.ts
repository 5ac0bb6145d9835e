import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineStringKeys, sdkSchemaKeys } from '../../cdk/bundling/sdk-schema-keys.js';

const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'runnel-schema-keys-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A client's generated schema module, as the bundles resolve it. */
const schemasOf = (client: string) => join(dirname(require.resolve(`@aws-sdk/${client}/package.json`)), 'dist-es/schemas/schemas_0.js');

/** Every schema the module exports, bundled with or without the plugin, as JSON (a lazy reference `() => X$` as "[function]"). */
async function exportedSchemas(client: string, plugins: typeof sdkSchemaKeys[]): Promise<Record<string, string>> {
  const outfile = join(work, `${client}-${plugins.length}.mjs`);
  await build({ stdin: { contents: `export * from ${JSON.stringify(schemasOf(client))};`, resolveDir: work }, bundle: true, platform: 'node', format: 'esm', outfile, plugins, logLevel: 'silent', mainFields: ['module', 'main'] });
  const mod = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
  const json = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'function' ? '[function]' : x));
  return Object.fromEntries(Object.entries(mod).filter(([name]) => name.endsWith('$')).map(([name, value]) => [name, json(value)]));
}

describe('the SDK schema modules with their computed keys inlined (cdk/bundling/sdk-schema-keys.ts)', () => {
  it('turns a computed key naming a string constant into that string, and leaves any other alone', () => {
    const source = ['const _a = "x-amz-meta";', 'const _q = "say \\"hi\\"";', 'let other = "no";', 'export var A$ = [3, "n", _a, { [_a]: 1, [_q]: 2, [other]: 3, [_zz]: 4 }];'].join('\n');
    expect(inlineStringKeys(source)).toBe(
      ['const _a = "x-amz-meta";', 'const _q = "say \\"hi\\"";', 'let other = "no";', 'export var A$ = [3, "n", _a, { "x-amz-meta": 1, "say \\"hi\\"": 2, [other]: 3, [_zz]: 4 }];'].join('\n'),
    );
  });

  for (const client of ['client-s3', 'client-dynamodb', 'client-lambda']) {
    it(`leaves every schema @aws-sdk/${client} exports exactly as the SDK builds it`, async () => {
      const [original, rewritten] = await Promise.all([exportedSchemas(client, []), exportedSchemas(client, [sdkSchemaKeys])]);
      expect(Object.keys(original).length).toBeGreaterThan(50);
      expect(rewritten).toEqual(original);
    });
  }

  it('lets esbuild drop the schemas of operations a bundle never sends', async () => {
    const entry = "import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3'; export const put = (c: S3Client) => c.send(new PutObjectCommand({ Bucket: 'b', Key: 'k' }));";
    const size = async (plugins: typeof sdkSchemaKeys[]) => {
      const out = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', minify: true, write: false, plugins, logLevel: 'silent', mainFields: ['module', 'main'] });
      return out.outputFiles[0]!.text;
    };
    const [without, withPlugin] = await Promise.all([size([]), size([sdkSchemaKeys])]);
    // SelectObjectContent is an S3 operation a PutObject never needs.
    expect(without).toContain('SelectObjectContentRequest');
    expect(withPlugin).not.toContain('SelectObjectContentRequest');
    expect(withPlugin.length).toBeLessThan(without.length - 50_000);
  });
});
