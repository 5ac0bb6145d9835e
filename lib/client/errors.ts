/**
 * What a client call throws when Runnel (or the network in between) refuses it. `code` is the
 * server's stable machine-readable code (`unknown_topic`, `invalid_request`, …) or one of the client's
 * own: `network_error`, `timeout`, `http_<status>` for an answer without Runnel's error body (an API
 * Gateway 403, say). `retriable` says whether sending the same request again may succeed.
 */
export class RunnelHttpError extends Error {
  /** HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly code: string;
  readonly retriable: boolean;
  /** The field the server named, for a 4xx about bad input. */
  readonly field?: string;
  /** The error body's other fields: a 409's `rejected` and `done` partitions, a 416's bounds. */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor({
    status,
    code,
    message,
    retriable,
    field,
    details,
    cause,
  }: {
    status: number;
    code: string;
    message: string;
    retriable: boolean;
    field?: string | undefined;
    details?: Readonly<Record<string, unknown>> | undefined;
    /** The transport error behind a status 0. */
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RunnelHttpError';
    this.status = status;
    this.code = code;
    this.retriable = retriable;
    if (field !== undefined) this.field = field;
    if (details !== undefined) this.details = details;
  }
}

export const isRunnelHttpError = (e: unknown): e is RunnelHttpError => e instanceof RunnelHttpError;

/** 408, 429 and 5xx answers may succeed when repeated; other 4xx answers will not. */
export const isRetriableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;
