import type { Plugin } from 'esbuild';

/** A module loaded in place of a file of a dependency, in the Lambda bundles. */
export interface StandIn {
  /** The file it replaces, by its resolved path. */
  file: RegExp;
  /** The replacement's JavaScript, with the same exports the file's importers use. */
  contents: string;
}

/** An esbuild plugin that loads each stand-in in place of its file. */
export const standInPlugin = (name: string, standIns: readonly StandIn[]): Plugin => ({
  name,
  setup(build) {
    for (const { file, contents } of standIns) build.onLoad({ filter: file }, () => ({ contents, loader: 'js' }));
  },
});
