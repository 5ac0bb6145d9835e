import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import { clientOf, registerOnly, THROWN_ERRORS, type ThrownErrors } from './sdk-thrown-errors.js';

/**
 * The AWS SDK's generated schema modules (`@aws-sdk/client-*​/dist-es/schemas/schemas_0.js`) describe every
 * operation of a service, and name their traits with computed keys: `{ [_hH]: _CT }`, where `_hH` is a
 * string constant of the same module. esbuild cannot tell that such a key has no side effect (evaluating
 * it could call `toString`), so it keeps every schema of the module, and every string they name, whether
 * an operation uses it or not: 68 KB of S3's 100 (esbuild issue 4373, aws-sdk-js-v3 issue 7607).
 *
 * This rewrites each computed key that is one of the module's own string constants into that string,
 * the same key the SDK builds at run time, so that esbuild drops the schemas of the operations we never
 * send. Nothing else changes; a module in another shape passes through as it is.
 *
 * The same pass registers only the errors our commands can answer (sdk-thrown-errors.ts), since esbuild
 * loads each file once: `schemaKeysPlugin` with another list, placed before this one, takes its place.
 */
export const schemaKeysPlugin = (name: string, thrownErrors: ThrownErrors): Plugin => ({
  name,
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const thrown = thrownErrors[clientOf(args.path) ?? ''];
      return { contents: inlineStringKeys(thrown ? registerOnly(source, thrown) : source), loader: 'js' };
    });
  },
});

export const sdkSchemaKeys = schemaKeysPlugin('sdk-schema-keys', THROWN_ERRORS);

/** `const _a = "x"; … { [_a]: v }` → `… { "x": v }`, for the module's top-level string constants only. */
export function inlineStringKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(m[1]!, m[2]!);
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => strings.get(name)?.concat(':') ?? key);
}
