import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import type { RunnelConfig } from './config.js';
import { HeadStore } from './log/head-store.js';
import { createServices } from './runtime.js';
import { LAMBDA_DISPATCHER, perInvocation } from './subscriptions/lambda-invocation.js';
import { streamWakeups } from './subscriptions/stream-wakeups.js';
import { connectionPoster } from './wake/connection-poster.js';
import { SocketWaker } from './wake/socket-waker.js';
import { watchedCommits } from './wake/watched-commits.js';
import { WakeRegistrationStore } from './wake/wake-registrations.js';

/**
 * The dispatcher function (lambdas/dispatcher.ts), invoked by the log table stream's event source
 * mapping with the head items its two filters pass: heads of subscribed topics, whose commits the
 * subscriptions' dispatcher delivers, and watched heads, whose commits wake the sockets of idle pull
 * members (when the deployment has wake sockets: `RUNNEL_WAKE_CALLBACK_URL`). It never fails the batch:
 * a stream record is only a wake-up, delivery state lives in the groups table and is resumed by
 * maintenance, and a lost socket wake is bounded by the client's renewal of its socket.
 */
export function logStreamHandler(config: RunnelConfig): (event: DynamoDBStreamEvent, context: Context) => Promise<void> {
  const services = createServices(config, { dispatcher: LAMBDA_DISPATCHER });
  const { dynamo } = services.clients;
  const sockets =
    config.wakeCallbackUrl &&
    new SocketWaker({
      heads: new HeadStore(dynamo, config.logTable),
      registrations: new WakeRegistrationStore(dynamo, config.groupsTable),
      poster: connectionPoster({ region: config.region, callbackUrl: config.wakeCallbackUrl, credentials: config.credentials }),
    });
  return perInvocation(async (event: DynamoDBStreamEvent) => {
    await Promise.all([services.subscriptions.dispatcher.wake(streamWakeups(event)), sockets ? sockets.wake(watchedCommits(event)) : undefined]);
  });
}
