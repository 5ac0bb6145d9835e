import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CONSOLE_FILES, type ConsoleAssets, type ConsoleFileName } from '../cli/console-assets.js';

const SOURCE = fileURLToPath(new URL('../console/', import.meta.url));

/**
 * The web console (lib/console) as its three static files: esbuild bundles the Preact app and its
 * stylesheets (uPlot's included) into one minified script and one stylesheet, in memory. `npm run dev`
 * runs this at start (a fraction of a second); `npm run build` writes the result into the client package.
 */
export async function bundleConsole(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: { console: join(SOURCE, 'main.tsx') },
    outdir: 'out',
    write: false,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: fileURLToPath(new URL('../../tsconfig.console.json', import.meta.url)),
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = new Map<ConsoleFileName, Uint8Array>([['index.html', readFileSync(join(SOURCE, 'index.html'))]]);
  for (const out of result.outputFiles) {
    const name = out.path.slice(out.path.lastIndexOf('/') + 1) as ConsoleFileName;
    if (!Object.hasOwn(CONSOLE_FILES, name)) throw new Error(`the console's bundle made an unexpected file ${name}`);
    files.set(name, out.contents);
  }
  return files;
}

/** The bundle written to `dir` (the client package's dist/console/, which `runnel console` serves). */
export async function writeConsoleAssets(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of await bundleConsole()) writeFileSync(join(dir, name), body);
}
