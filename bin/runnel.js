#!/usr/bin/env node
// This repository's `runnel` for developers: the CLI's TypeScript source, compiled by tsx as it loads,
// so it works from a clean clone with no build step. The published bin (package runnel-streams) is the
// compiled dist/cli/main.js instead (bin/build.ts).
import { register } from 'tsx/esm/api';

register();
// `runnel console` serves the web console's files, which the published package carries prebuilt
// (dist/console/); here they are bundled from lib/console as the command starts, as `npm run dev` does.
if ((await commandNamed(process.argv.slice(2))) === 'console' && !process.env.RUNNEL_CONSOLE_ASSETS) {
  const [{ mkdtempSync, rmSync }, { tmpdir }, { join }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
  const { writeConsoleAssets } = await import('../lib/local/console-bundle.ts');
  const dir = mkdtempSync(join(tmpdir(), 'runnel-console-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  await writeConsoleAssets(dir);
  process.env.RUNNEL_CONSOLE_ASSETS = dir;
}
await import('../lib/cli/main.ts');

/**
 * The command the arguments name: the first that is neither an option nor a global option's value (so
 * `runnel topics create console` is not the console, and `runnel --url X console` is).
 */
async function commandNamed(args) {
  const { buildProgram } = await import('../lib/cli/program.ts');
  const valued = new Set(buildProgram().options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter(Boolean)));
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return args[i + 1];
    if (valued.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}
