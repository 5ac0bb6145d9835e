import { standInPlugin } from './stand-ins.js';

/**
 * The SDK hashes with Node's native code (`node:crypto` for MD5, SHA-1 and SHA-256, `zlib.crc32` for
 * CRC32) and keeps a JavaScript implementation of each for a Node that lacks it: one whose OpenSSL is in
 * FIPS mode refuses MD5, and Node before 20.15 has no `zlib.crc32`. Lambda's nodejs22.x has them all, so
 * in the Lambda bundles each fallback is a class that says so if it is ever built (8 KB less to parse at
 * every cold start). test/package/lambda-sdk.test.ts checks the premise on the Node that runs it.
 */
const FALLBACKS: Array<{ file: RegExp; name: string; native: string }> = [
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Js\.js$/, name: 'Sha256Js', native: "crypto's sha256" },
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]md5[\\/]Md5Js\.js$/, name: 'Md5Js', native: "crypto's md5" },
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]crc32[\\/]Crc32Js\.js$/, name: 'Crc32Js', native: 'zlib.crc32' },
  { file: /[\\/]@aws-sdk[\\/]checksums[\\/]dist-es[\\/]submodules[\\/]sha[\\/]sha1[\\/]Sha1Js\.js$/, name: 'Sha1Js', native: "crypto's sha1" },
];

/** The algorithms the bundles expect Node to have natively, for the test of the premise. */
export const NATIVE_CHECKSUMS = { hashes: ['sha256', 'md5', 'sha1'], zlib: ['crc32'] } as const;

export const nodeNativeChecksums = standInPlugin(
  'node-native-checksums',
  FALLBACKS.map(({ file, name, native }) => {
    const message = `Runnel's Lambda bundles leave out the SDK's JavaScript ${name} (cdk/bundling/node-native-checksums.ts): this Node has no ${native}`;
    return { file, contents: `export class ${name} { constructor() { throw new Error(${JSON.stringify(message)}); } }` };
  }),
);
