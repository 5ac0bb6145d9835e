/**
 * The one error type that crosses layers. Every failure a caller can act on is a RunnelError with an
 * HTTP status and a stable machine-readable code; anything else reaching the HTTP layer is a bug (500).
 */
export class RunnelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RunnelError';
  }

  toJSON(): { error: { code: string; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new RunnelError(400, code, message, details);

export const notFound = (code: string, message: string) => new RunnelError(404, code, message);

export const conflict = (code: string, message: string) => new RunnelError(409, code, message);

export const tooLarge = (code: string, message: string, details?: Record<string, unknown>) =>
  new RunnelError(413, code, message, details);

/** Storage did not answer in a way we can act on; the client should retry (idempotently). */
export const unavailable = (message: string) => new RunnelError(503, 'storage_unavailable', message);

export const isRunnelError = (e: unknown): e is RunnelError => e instanceof RunnelError;
