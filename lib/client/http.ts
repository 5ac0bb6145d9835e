import { RunnelHttpError, isRetriableStatus } from './errors.js';
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js';
import { CBOR_CONTENT_TYPE } from '../contract/routes.js';
import type { CredentialsInput, SignableRequest, Signer } from './sigv4.js';

export interface HttpClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:7430` or an API Gateway stage URL. */
  url: string;
  /** Sign every request with SigV4 for API Gateway IAM auth. Implied by `credentials`; without them the AWS default chain is used. */
  sigv4?: boolean;
  credentials?: CredentialsInput;
  /** Region to sign for; read from an `execute-api` hostname or AWS_REGION when absent. */
  region?: string;
  retry?: RetryOptions;
  /** Per-attempt timeout in ms (default 30 000). */
  requestTimeout?: number;
  /** Replaces the global fetch, e.g. to add a proxy agent. */
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON-serialisable body. */
  body?: unknown;
  /** A body already serialised as JSON (the producer builds its requests from pre-encoded records). */
  json?: string;
  /** A body already serialised as CBOR, sent as `application/cbor` (the produce route takes it; docs/produce-cbor.md). */
  cbor?: Uint8Array;
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout (long polls need more). */
  timeout?: number;
  /**
   * Whether repeating the request is harmless. Defaults to true for GET, PUT and DELETE. A request
   * that is not idempotent is repeated only when it provably never reached the server.
   */
  idempotent?: boolean;
  /** Overrides the client's retry settings for this request; `{ retries: 0 }` disables retries. */
  retry?: RetryOptions;
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}

/** A JSON-over-HTTP client for Runnel's API: errors decoded, retries jittered, requests optionally signed. */
export class HttpClient {
  private readonly base: URL;
  private readonly sign: LazySigner | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(readonly options: HttpClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.fetchImpl = options.fetch ?? fetch;
    const signing = options.sigv4 ?? options.credentials !== undefined;
    // The signer and its crypto load only when asked for: most local use never signs.
    this.sign = signing ? lazySigner(options) : undefined;
  }

  get url(): string {
    return this.options.url;
  }

  /** `url` signed in its query when this client signs its requests (a WebSocket cannot send headers); else `url` itself. */
  async presign(url: URL, expiresInSeconds: number): Promise<URL> {
    return this.sign ? this.sign.presign(url, expiresInSeconds) : url;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const body = options.cbor ?? options.json ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const idempotent = options.idempotent ?? method !== 'POST';
    return withRetries(() => this.once<T>({ method, url, body, options }), {
      ...DEFAULT_RETRY,
      ...this.options.retry,
      ...options.retry,
      signal: options.signal,
      shouldRetry: (error) =>
        error instanceof RunnelHttpError && error.retriable && (idempotent || error.code === 'connection_refused' || error.status === 429),
    });
  }

  private async once<T>({ method, url, body, options }: { method: string; url: URL; body: string | Uint8Array | undefined; options: RequestOptions }): Promise<T> {
    let headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/json' : CBOR_CONTENT_TYPE;
    if (this.sign) {
      // fetch derives Host from the URL; the signature covers it, so it must not be sent twice.
      const { host: _host, ...signed } = await this.sign({ method, url, headers, body });
      headers = signed;
    }
    const timeout = options.timeout ?? this.options.requestTimeout ?? 30_000;
    const signals = [AbortSignal.timeout(timeout), ...(options.signal ? [options.signal] : [])];
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.any(signals) });
      text = await res.text();
    } catch (error) {
      throw this.transportError(error, { where: `${method} ${url.origin}${url.pathname}`, timeout, signal: options.signal });
    }
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    throw decodeErrorResponse(res.status, text, `${method} ${url.pathname}`);
  }

  /** `where` is the request's method and URL, for the message. */
  private transportError(error: unknown, { where, timeout, signal }: { where: string; timeout: number; signal?: AbortSignal | undefined }): Error {
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new Error('aborted', { cause: error });
    const noAnswer = (code: string, message: string) => new RunnelHttpError({ status: 0, code, message: `${where}: ${message}`, retriable: true, cause: error });
    if ((error as Error).name === 'TimeoutError') return noAnswer('timeout', `no answer within ${timeout} ms`);
    const code = causeCode(error);
    if (code && NEVER_SENT.has(code)) return noAnswer('connection_refused', `cannot connect (${code}); is Runnel running there?`);
    return noAnswer('network_error', code ?? (error as { cause?: Error }).cause?.message ?? (error as Error).message);
  }
}

type LazySigner = Pick<Signer, 'presign'> & ((req: SignableRequest) => Promise<Record<string, string>>);

function lazySigner(options: HttpClientOptions): LazySigner {
  const signer = import('./sigv4.js').then((m) => m.createSigner({ url: options.url, region: options.region, credentials: options.credentials }));
  // Surfaced by the first request instead of as an unhandled rejection.
  signer.catch(() => {});
  const signing = async <T>(use: (s: Signer) => Promise<T>): Promise<T> => {
    try {
      return await use(await signer);
    } catch (error) {
      throw new Error(`cannot sign the request with SigV4: ${(error as Error).message}`, { cause: error });
    }
  };
  const sign: LazySigner = (req) => signing((s) => s(req));
  sign.presign = (url, expiresInSeconds) => signing((s) => s.presign(url, expiresInSeconds));
  return sign;
}

/** Runnel answers `{"error":{"code","message","field"?}}`; API Gateway answers `{"message"}`; anything else is shown as text. */
export function decodeErrorResponse(status: number, text: string, what: string): RunnelHttpError {
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const err = parsed?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    const { code, message, field, ...details } = err;
    return new RunnelHttpError({
      status,
      code,
      message,
      retriable: isRetriableStatus(status),
      field: typeof field === 'string' ? field : undefined,
      details: Object.keys(details).length ? details : undefined,
    });
  }
  const message = typeof parsed?.message === 'string' ? parsed.message : text.trim().slice(0, 200) || '(empty body)';
  return new RunnelHttpError({ status, code: `http_${status}`, message: `${what}: HTTP ${status}: ${message}`, retriable: isRetriableStatus(status) });
}
