/** A reason the dev server cannot start, worded for the person starting it: printed as one line, then exit 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}
