/**
 * Why a delivery failed, one class per kind under a base class (as Powertools' batch errors are). Every
 * kind is retried up to the subscription's `maxAttempts` and then dead-lettered; `retriable` says
 * whether retrying can be expected to help, which describe and the dead-letter headers report.
 */
export abstract class DeliveryError extends Error {
  abstract readonly kind: string;
  abstract readonly retriable: boolean;
  override name = 'DeliveryError';
}

/** The target did not answer within the delivery's timeout. */
export class TargetTimeoutError extends DeliveryError {
  readonly kind = 'timeout';
  readonly retriable = true;
  override name = 'TargetTimeoutError';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** No connection could be made, or it broke before an answer (refused, reset, DNS). */
export class TargetUnreachableError extends DeliveryError {
  readonly kind = 'unreachable';
  readonly retriable = true;
  override name = 'TargetUnreachableError';
}

/**
 * The target said it failed in a way that may pass: a 5xx, 408 or 429, Lambda throttling or a service
 * error. `retryAfterMs` is the wait it asked for (`Retry-After`), if it asked.
 */
export class TargetUnavailableError extends DeliveryError {
  readonly kind = 'unavailable';
  readonly retriable = true;
  override name = 'TargetUnavailableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The function ran and threw (Lambda's `FunctionError`): the whole batch failed. */
export class FunctionFailedError extends DeliveryError {
  readonly kind = 'function_error';
  readonly retriable = true;
  override name = 'FunctionFailedError';
}

/**
 * The target refused the delivery in a way that retrying will not fix: a 4xx other than 408 and 429, a
 * redirect, a missing function, or no permission to invoke it.
 */
export class TargetRejectedError extends DeliveryError {
  readonly kind = 'rejected';
  readonly retriable = false;
  override name = 'TargetRejectedError';
}

export const isDeliveryError = (e: unknown): e is DeliveryError => e instanceof DeliveryError;
