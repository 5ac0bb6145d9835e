import type { DynamoDBStreamEvent } from 'aws-lambda';
import { configFromEnv } from '../lib/config.js';
import { createServices } from '../lib/runtime.js';
import { LAMBDA_DISPATCHER, perInvocation } from '../lib/subscriptions/lambda-invocation.js';
import { streamWakeups } from '../lib/subscriptions/stream-wakeups.js';

const services = createServices(configFromEnv(), { dispatcher: LAMBDA_DISPATCHER });

/**
 * Invoked by the log table stream's event source mapping with head items of subscribed topics. It never
 * fails the batch: a stream record is only a wake-up, the delivery state lives in the groups table, and a
 * failing target is retried and dead-lettered by the dispatcher itself (maintenance resumes what waits).
 */
export const handler = perInvocation((event: DynamoDBStreamEvent) => services.subscriptions.dispatcher.wake(streamWakeups(event)));
