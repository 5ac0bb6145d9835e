import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import type { RunnelConfig } from './config.js';
import { createServices } from './runtime.js';
import { LAMBDA_DISPATCHER, perInvocation } from './subscriptions/lambda-invocation.js';
import { streamWakeups } from './subscriptions/stream-wakeups.js';

/**
 * The dispatcher function (lambdas/dispatcher.ts), invoked by the log table stream's event source
 * mapping with the heads of subscribed topics (HEAD_WAKEUP_FILTER), whose commits it delivers. It never
 * fails the batch: a stream record is only a wake-up, and delivery state lives in the groups table and is
 * resumed by maintenance. Wake sockets have a function and a mapping of their own (lib/wake/wake-notifier.ts).
 */
export function logStreamHandler(config: RunnelConfig): (event: DynamoDBStreamEvent, context: Context) => Promise<void> {
  const services = createServices(config, { dispatcher: LAMBDA_DISPATCHER });
  return perInvocation(async (event: DynamoDBStreamEvent) => {
    await services.subscriptions.dispatcher.wake(streamWakeups(event));
  });
}
