import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The web console's static files: one page, one script, one stylesheet (lib/console, bundled by esbuild).
 * `npm run dev` bundles them at start and serves them at CONSOLE_PATH; the published package carries
 * them prebuilt in dist/console/, beside the compiled CLI, for `runnel console`.
 */
export const CONSOLE_PATH = '/console';

export const CONSOLE_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

export type ConsoleFileName = keyof typeof CONSOLE_FILES;
export type ConsoleAssets = ReadonlyMap<ConsoleFileName, Uint8Array>;

/**
 * The page loads nothing but its own files and talks only to its own origin: no CDN, no fetch from the
 * internet. Style attributes are allowed because the chart library positions its parts with them.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Rebuilt at every dev start and with every release: ask each time, it is three small files.
  'cache-control': 'no-cache',
};

export interface ConsoleFile {
  body: Uint8Array;
  headers: Record<string, string>;
}

/**
 * The file a request path names: `/console/` is the page, `/console/console.js` the script. Undefined
 * for anything else, `/console` without its slash included (the caller redirects that, so that the
 * page's relative links resolve under it).
 */
export function consoleFileAt(assets: ConsoleAssets, pathname: string): ConsoleFile | undefined {
  if (!pathname.startsWith(`${CONSOLE_PATH}/`)) return undefined;
  const name = (pathname.slice(CONSOLE_PATH.length + 1) || 'index.html') as ConsoleFileName;
  const body = Object.hasOwn(CONSOLE_FILES, name) ? assets.get(name) : undefined;
  return body && { body, headers: { 'content-type': CONSOLE_FILES[name], ...CONSOLE_HEADERS } };
}

/** Where the published package keeps the prebuilt files: dist/console/, beside dist/cli/. */
export const PACKAGED_CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/**
 * The prebuilt files in `dir`: RUNNEL_CONSOLE_ASSETS if set (this repository's bin/runnel.js sets it to a
 * fresh bundle of lib/console), else the package's own. An error saying how to get them when they are not there.
 */
export function readConsoleAssets(dir: string = process.env.RUNNEL_CONSOLE_ASSETS || PACKAGED_CONSOLE_DIR): ConsoleAssets {
  const names = Object.keys(CONSOLE_FILES) as ConsoleFileName[];
  const missing = names.filter((name) => !existsSync(`${dir}/${name}`));
  if (missing.length > 0) {
    throw new Error(
      `the console's files are not in ${dir} (${missing.join(', ')} missing): the published package has them, and in Runnel's repository \`npx runnel console\` bundles them`,
    );
  }
  return new Map(names.map((name) => [name, readFileSync(`${dir}/${name}`)]));
}
