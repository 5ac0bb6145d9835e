/**
 * What a client call throws when Runnel (or the network in between) refuses it. `code` is the
 * server's stable machine-readable code (`unknown_topic`, `invalid_request`, …) or one of the client's
 * own: `network_error`, `timeout`, `http_<status>` for an answer without Runnel's error body (an API
 * Gateway 403, say). `retriable` says whether sending the same request again may succeed.
 */
export class RunnelHttpError extends Error {
  constructor(
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    /** The field the server named, for a 4xx about bad input. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RunnelHttpError';
  }
}

export const isRunnelHttpError = (e: unknown): e is RunnelHttpError => e instanceof RunnelHttpError;

/** 408, 429 and 5xx answers may succeed when repeated; other 4xx answers will not. */
export const isRetriableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;
