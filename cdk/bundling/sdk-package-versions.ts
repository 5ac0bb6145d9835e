import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * Each AWS SDK client imports its whole package.json (`import packageInfo from "../package.json"`) to put
 * `packageInfo.version` in the user agent. A default import of JSON keeps every field of the file: its
 * dependencies, scripts and file list, about 2.5 KB per client. This hands the bundle the one field the
 * SDK reads.
 */
export const sdkPackageVersions: Plugin = {
  name: 'sdk-package-versions',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};
