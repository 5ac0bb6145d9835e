import type { Command } from 'commander';
import { Runnel } from '../client/index.js';

export const DEFAULT_URL = 'http://127.0.0.1:7430';

export interface GlobalOptions {
  url: string;
  sigv4?: boolean;
  region?: string;
  profile?: string;
  quiet?: boolean;
}

/** The client for a command, from the options given before or after it (`runnel --url X topics list`). */
export function clientFor(command: Command): { runnel: Runnel; options: GlobalOptions } {
  const options = command.optsWithGlobals<GlobalOptions>();
  // `localhost:7430` parses as a URL with the scheme "localhost:": only http and https can be meant.
  if (!URL.canParse(options.url) || !['http:', 'https:'].includes(new URL(options.url).protocol)) {
    throw new Error(`--url "${options.url}" is not an http(s) URL (for example ${DEFAULT_URL})`);
  }
  // The AWS default credential chain reads the profile from the environment.
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const runnel = new Runnel({ url: options.url, sigv4: options.sigv4 || options.profile !== undefined, region: options.region });
  return { runnel, options };
}
