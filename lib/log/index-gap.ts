/**
 * No chunk holds an offset below the tail base that the head said was in the log: retention has
 * deleted it since (or, were it not below the log start, the index is damaged). Never skipped over.
 */
export class IndexGapError extends Error {
  constructor(pk: string, offset: number) {
    super(`no index chunk of ${pk} holds offset ${offset}`);
    this.name = 'IndexGapError';
  }
}
