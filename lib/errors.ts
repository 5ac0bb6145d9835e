/**
 * The one error type that crosses layers. Every failure a caller can act on is a RunnelError with an
 * HTTP status and a stable machine-readable code; anything else reaching the HTTP layer is a bug (500).
 */
export class RunnelError extends Error {
  readonly status: number;
  readonly code: string;
  /** More fields of the error body: `field`, the bounds of a 416, the partitions a 409 rejected. */
  readonly details?: Record<string, unknown>;

  constructor({ status, code, message, details }: { status: number; code: string; message: string; details?: Record<string, unknown> | undefined }) {
    super(message);
    this.name = 'RunnelError';
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toJSON(): { error: { code: string; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new RunnelError({ status: 400, code, message, details });

export const notFound = (code: string, message: string) => new RunnelError({ status: 404, code, message });

export const conflict = (code: string, message: string) => new RunnelError({ status: 409, code, message });

export const tooLarge = (code: string, message: string, details?: Record<string, unknown>) =>
  new RunnelError({ status: 413, code, message, details });

/** Storage did not answer in a way we can act on; the client should retry (idempotently). */
export const unavailable = (message: string) => new RunnelError({ status: 503, code: 'storage_unavailable', message });

export const isRunnelError = (e: unknown): e is RunnelError => e instanceof RunnelError;
