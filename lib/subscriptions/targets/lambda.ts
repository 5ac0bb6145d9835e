import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeliveryError, FunctionFailedError, TargetRejectedError, TargetTimeoutError, TargetUnavailableError, TargetUnreachableError } from './errors.js';
import { retryAfterMs } from './retry-after.js';
import { MAX_ANSWER_BYTES, parseAnswer, type Delivery, type Target } from './target.js';

export interface LambdaTargetSpec {
  type: 'lambda';
  /** A function's ARN (or name, partial ARN, or ARN with a version or alias), as Invoke's FunctionName takes it. */
  functionArn: string;
}

/** Lambda answers these when the request cannot succeed as it is: retrying the same request will not help. */
const REJECTED = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidRequestContentException',
  'InvalidParameterValueException',
  'RequestTooLargeException',
  'UnsupportedMediaTypeException',
  'InvalidRuntimeException',
  'InvalidZipFileException',
  'RecursiveInvocationException',
]);

/** Node's codes for a connection that could not be made or broke. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

/** Invokes a function synchronously (RequestResponse) with the batch event, as Lambda's Kafka trigger does. */
export class LambdaTarget implements Target {
  constructor(
    private readonly spec: LambdaTargetSpec,
    private readonly client: LambdaClient,
  ) {}

  async deliver(delivery: Delivery): Promise<unknown> {
    const command = new InvokeCommand({ FunctionName: this.spec.functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(delivery.body, 'utf8') });
    let out;
    try {
      out = await this.client.send(command, { abortSignal: AbortSignal.timeout(delivery.timeoutMs) });
    } catch (e) {
      throw classifyInvokeError(e, delivery.timeoutMs);
    }
    const payload = out.Payload ? Buffer.from(out.Payload) : Buffer.alloc(0);
    if (out.FunctionError) throw new FunctionFailedError(`the function failed (${out.FunctionError}): ${functionErrorText(payload)}`);
    if (payload.byteLength > MAX_ANSWER_BYTES) return { batchItemFailures: `an answer of ${payload.byteLength} bytes, over ${MAX_ANSWER_BYTES}` };
    return parseAnswer(payload.toString('utf8'));
  }
}

/** `errorType: errorMessage` from the payload Lambda returns for a failed invocation. */
function functionErrorText(payload: Buffer): string {
  try {
    const e = JSON.parse(payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    return [e.errorType, e.errorMessage].filter((s) => typeof s === 'string').join(': ') || payload.toString('utf8').slice(0, 500);
  } catch {
    return payload.toString('utf8').slice(0, 500);
  }
}

export function classifyInvokeError(e: unknown, timeoutMs: number, now = Date.now()): DeliveryError {
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number }; retryAfterSeconds?: string };
  const name = err?.name ?? '';
  const message = `${name}: ${err?.message ?? String(e)}`;
  if (name === 'AbortError' || name === 'TimeoutError') return new TargetTimeoutError(timeoutMs);
  if (REJECTED.has(name)) return new TargetRejectedError(message);
  const status = err?.$metadata?.httpStatusCode;
  if (status === undefined && (NETWORK_CODES.has(err?.code ?? '') || NETWORK_CODES.has(err?.cause?.code ?? ''))) return new TargetUnreachableError(message);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429 && !/Throttl|TooManyRequests|ResourceConflict|ResourceNotReady/.test(name)) {
    return new TargetRejectedError(message);
  }
  // Lambda's TooManyRequestsException carries its Retry-After header as `retryAfterSeconds`.
  return new TargetUnavailableError(message, retryAfterMs(err?.retryAfterSeconds, now));
}
