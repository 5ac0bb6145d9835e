import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const configPath = join(root, 'tsconfig.client.json');

/**
 * Type-checks the client build as `npm run typecheck:client` does, with `extra` files added to the
 * client's sources: the whole build without them, only the extra files' own diagnostics with them
 * (that is where TS6307 is reported, and checking the rest again would only take time).
 */
function clientBuild(extra: Record<string, string> = {}): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const host = ts.createCompilerHost(parsed.options);
  const files = new Map(Object.entries(extra).map(([path, text]) => [join(root, path), text]));
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, ...rest) => (files.has(name) ? ts.createSourceFile(name, files.get(name)!, ts.ScriptTarget.ES2023, true) : getSourceFile.call(host, name, ...rest));
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram({ rootNames: [...parsed.fileNames, ...files.keys()], options: parsed.options, host });
  const diagnostics = files.size ? [...files.keys()].flatMap((name) => program.getSemanticDiagnostics(program.getSourceFile(name))) : ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('the client-only build (tsconfig.client.json)', () => {
  it('type-checks the client, the CLI and the contract on their own', () => {
    expect(clientBuild()).toEqual([]);
  }, 60_000);

  it('fails when a client module imports server code', () => {
    const errors = clientBuild({ 'lib/client/imports-server.ts': "import { createServices } from '../runtime.js';\nexport const services = createServices;\n" });
    expect(errors.some((e) => e.startsWith('TS6307') && e.includes('lib/runtime.ts'))).toBe(true);
  }, 60_000);

  it('fails when a contract module imports server code, even only a type', () => {
    const errors = clientBuild({ 'lib/contract/imports-server.ts': "export type { Topic } from '../topics/topic-store.js';\n" });
    expect(errors.some((e) => e.startsWith('TS6307') && e.includes('lib/topics/topic-store.ts'))).toBe(true);
  }, 60_000);
});
