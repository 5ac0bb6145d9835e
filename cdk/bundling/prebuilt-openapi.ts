import { brotliCompressSync, constants } from 'node:zlib';
import type { Plugin } from 'esbuild';
import { openApiDocument } from '../../lib/http/openapi.js';

/** lib/http/openapi.ts, by its resolved path. */
const FILE = /[\\/]lib[\\/]http[\\/]openapi\.ts$/;

/**
 * The admin function serves the OpenAPI document (`GET /openapi.json`), which lib/http/openapi.ts builds
 * from the API's zod schemas with zod's JSON Schema generator. The document depends on nothing but this
 * repository's sources, so in the Lambda bundles it is built here, at build time, and the module becomes
 * that document, brotli-compressed, decompressed at its first request: the bundle carries neither the
 * generator nor the schemas of the routes other functions serve (about 45 KB), nor the 32 KB document as
 * a literal to parse at every cold start. test/package/lambda-bundles.test.ts holds the admin bundle's
 * answer to the document, byte for byte.
 */
export const prebuiltOpenApi: Plugin = {
  name: 'prebuilt-openapi',
  setup(build) {
    build.onLoad({ filter: FILE }, () => {
      const compressed = brotliCompressSync(JSON.stringify(openApiDocument()), { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } });
      return {
        loader: 'js',
        contents: `import { brotliDecompressSync } from 'node:zlib';
const COMPRESSED = ${JSON.stringify(compressed.toString('base64'))};
let cached;
/** The OpenAPI document, as lib/http/openapi.ts built it when the bundle was (cdk/bundling/prebuilt-openapi.ts). */
export function openApiDocument() {
  return (cached ??= JSON.parse(brotliDecompressSync(Buffer.from(COMPRESSED, 'base64')).toString('utf8')));
}`,
      };
    });
  },
};
