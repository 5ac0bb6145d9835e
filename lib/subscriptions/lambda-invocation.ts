import type { Context } from 'aws-lambda';
import { DeliveryMetrics } from '../observability/metrics.js';
import type { DispatcherOptions } from './dispatcher.js';

// One Lambda instance runs one invocation at a time: its deadline and its metrics are the instance's.
let deadline = Infinity;
const metrics = new DeliveryMetrics();

/**
 * The dispatcher's options inside a Lambda function: its budget is the current invocation's remaining
 * time (a retry that would outlast it is left as state for the maintenance run), and every delivery is
 * counted for the metrics `perInvocation` publishes.
 */
export const LAMBDA_DISPATCHER: Partial<DispatcherOptions> = { remainingMs: () => deadline - Date.now(), observer: metrics };

/** A Lambda handler around `work` that gives the dispatcher the invocation's deadline and publishes its metrics after. */
export function perInvocation<E, R>(work: (event: E) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    deadline = Date.now() + context.getRemainingTimeInMillis();
    try {
      return await work(event);
    } finally {
      deadline = Infinity;
      metrics.flush();
    }
  };
}
