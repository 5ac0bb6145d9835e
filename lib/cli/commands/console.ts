import { Command, Option } from 'commander';
import { readConsoleAssets } from '../console-assets.js';
import { startConsoleServer, type RequestSigner } from '../console-server.js';
import { DEFAULT_URL, type GlobalOptions } from '../context.js';
import { nonNegativeInt } from '../options.js';
import { printLine } from '../output.js';

export const DEFAULT_CONSOLE_PORT = 7431;

/**
 * The signer for --sigv4, tried once before the server starts: a missing optional peer, region or
 * credential is then one line at start, not an error on every page.
 */
async function signerFor(options: GlobalOptions): Promise<RequestSigner> {
  const { createSigner } = await import('../../client/sigv4.js');
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const sign = createSigner({ url: options.url, region: options.region });
  try {
    await sign({ method: 'GET', url: new URL(options.url), headers: {} });
  } catch (error) {
    throw new Error(`cannot sign with SigV4: ${(error as Error).message}`, { cause: error });
  }
  return sign;
}

/** `runnel console`: the web console on this machine, its API calls passed on to --url (and signed with --sigv4). */
export function consoleCommand(): Command {
  return new Command('console')
    .description('serve the web console on this machine (127.0.0.1), passing its API calls on to --url; with --sigv4 they are signed with your AWS credentials, which never reach the browser')
    .addOption(new Option('--port <port>', 'port to serve the console on (0 picks a free one)').argParser(nonNegativeInt).default(DEFAULT_CONSOLE_PORT))
    .action(async (opts: { port: number }, cmd: Command) => {
      const options = cmd.optsWithGlobals<GlobalOptions>();
      if (!URL.canParse(options.url) || !['http:', 'https:'].includes(new URL(options.url).protocol)) {
        throw new Error(`--url "${options.url}" is not an http(s) URL (for example ${DEFAULT_URL})`);
      }
      if (opts.port > 65535) throw new Error(`--port ${opts.port} is not a port number (0 to 65535)`);
      const assets = readConsoleAssets();
      const sign = options.sigv4 || options.profile !== undefined ? await signerFor(options) : undefined;
      const server = await startConsoleServer({ apiUrl: options.url, assets, port: opts.port, ...(sign ? { sign } : {}) }).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} on 127.0.0.1 is already in use; give another with --port (0 picks a free one)`) : e;
      });
      printLine(`Runnel console at ${server.url}  (API ${options.url}${sign ? ', signed with SigV4' : ''}). Ctrl-C stops it.`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
