import { Command, Option } from 'commander';
import type { CreateSubscriptionRequest, StartPosition, SubscriptionDescription, SubscriptionInfo, TargetRequest } from '../../contract/subscriptions.js';
import { deleteCommand, listCommand } from '../command-kit.js';
import { clientFor } from '../context.js';
import { nonNegativeInt, positiveInt, timestamp } from '../options.js';
import { count, printLine, table } from '../output.js';

interface CreateOptions {
  topic: string;
  function?: string;
  webhook?: string;
  secret?: string;
  timeout?: number;
  batchSize?: number;
  batchingWindow?: number;
  from?: StartPosition;
  maxAttempts?: number;
  backoff?: number;
  maxBackoff?: number;
  deadLetterTopic?: string;
}

/** `earliest`, `latest`, or a time (ms since the epoch or ISO 8601). */
function startPosition(value: string): StartPosition {
  if (value === 'earliest' || value === 'latest') return value;
  return { timestamp: timestamp(value) };
}

function target(opts: CreateOptions): TargetRequest {
  if (Boolean(opts.function) === Boolean(opts.webhook)) throw new Error('give exactly one of --function <arn> or --webhook <url>');
  if (opts.function) return { type: 'lambda', functionArn: opts.function };
  return { type: 'webhook', url: opts.webhook!, ...(opts.secret ? { secret: opts.secret } : {}), ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout }) };
}

const targetText = (t: SubscriptionInfo['target']) => (t.type === 'lambda' ? `function ${t.functionArn}` : `webhook ${t.url}`);

const position = (p: StartPosition) => (typeof p === 'string' ? p : new Date(p.timestamp).toISOString());

function printDescription(d: SubscriptionDescription): void {
  const lag = d.partitions.reduce((n, p) => n + (p.lag ?? 0), 0);
  const dead = d.partitions.reduce((n, p) => n + p.deadLettered, 0);
  const expired = d.partitions.reduce((n, p) => n + p.expiredUndelivered, 0);
  printLine(`Subscription ${d.name}: ${d.state}, ${d.topic} → ${targetText(d.target)}`);
  printLine(
    `Batches of up to ${d.batchSize} (window ${d.maxBatchingWindowMs} ms), ${count(d.maxAttempts, 'attempt')} with backoff ${d.backoff.initialMs}–${d.backoff.maxMs} ms ×${d.backoff.multiplier}, then ${d.deadLetterTopic}`,
  );
  printLine(`Total lag ${lag}, dead-lettered ${dead}${expired ? `, expired before delivery ${expired}` : ''}`);
  const rows = d.partitions.map((p) => [
    p.partition,
    p.committedOffset ?? 'none',
    p.highWatermark,
    p.lag,
    p.oldestUndeliveredAgeMs === null ? '' : `${(p.oldestUndeliveredAgeMs / 1000).toFixed(1)} s`,
    p.attempts,
    p.deadLettered,
    p.lastError ? `${p.lastError.kind}: ${p.lastError.message}`.slice(0, 80) : '',
  ]);
  printLine(table(['Partition', 'Committed', 'High watermark', 'Lag', 'Oldest undelivered', 'Attempts', 'Dead-lettered', 'Last error'], rows, [0, 1, 2, 3, 5, 6]));
}

export function subscriptionsCommand(): Command {
  const subscriptions = new Command('subscriptions').alias('subs').description('push subscriptions: deliver a topic to a Lambda function or a webhook');

  subscriptions
    .command('create <name>')
    .description('subscribe a Lambda function or a webhook to a topic (the name is also its consumer group)')
    .requiredOption('-t, --topic <topic>', 'the topic to deliver')
    .option('--function <arn>', 'invoke this Lambda function (ARN or name) with Kafka-trigger events')
    .option('--webhook <url>', 'POST each batch to this URL, signed (Standard Webhooks)')
    .option('--secret <whsec>', 'the webhook signing secret (default: one is generated and printed)')
    .addOption(new Option('--timeout <ms>', 'how long a webhook has to answer (default 10000)').argParser(positiveInt))
    .addOption(new Option('--batch-size <n>', 'most records per delivery (default 100)').argParser(positiveInt))
    .addOption(new Option('--batching-window <ms>', 'wait up to this long for a batch to fill (default 0)').argParser(nonNegativeInt))
    .addOption(new Option('--from <position>', 'where to start: earliest, latest (default) or a time (ms or ISO 8601)').argParser(startPosition))
    .addOption(new Option('--max-attempts <n>', 'deliveries of a record before it is dead-lettered (default 5)').argParser(positiveInt))
    .addOption(new Option('--backoff <ms>', 'wait before the first retry (default 1000), doubling').argParser(nonNegativeInt))
    .addOption(new Option('--max-backoff <ms>', 'longest wait between retries (default 60000)').argParser(nonNegativeInt))
    .option('--dead-letter-topic <topic>', 'where records go after their last attempt (default <name>.dlq, created if missing)')
    .action(async (name: string, opts: CreateOptions, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      const request: CreateSubscriptionRequest = { name, topic: opts.topic, target: target(opts) };
      if (opts.batchSize !== undefined) request.batchSize = opts.batchSize;
      if (opts.batchingWindow !== undefined) request.maxBatchingWindowMs = opts.batchingWindow;
      if (opts.from !== undefined) request.startPosition = opts.from;
      if (opts.maxAttempts !== undefined) request.maxAttempts = opts.maxAttempts;
      if (opts.backoff !== undefined || opts.maxBackoff !== undefined) {
        request.backoff = { ...(opts.backoff === undefined ? {} : { initialMs: opts.backoff }), ...(opts.maxBackoff === undefined ? {} : { maxMs: opts.maxBackoff }) };
      }
      if (opts.deadLetterTopic !== undefined) request.deadLetterTopic = opts.deadLetterTopic;
      const created = await runnel.api.createSubscription(request);
      if (!options.quiet) printLine(`Created subscription ${created.name}: ${created.topic} from ${position(created.startPosition)} → ${targetText(created.target)}; dead letters to ${created.deadLetterTopic}.`);
      if (created.target.type === 'webhook' && created.target.secret && !opts.secret) printLine(`Signing secret (shown once): ${created.target.secret}`);
    });

  subscriptions.addCommand(
    listCommand({
      description: 'list push subscriptions',
      empty: 'No subscriptions.',
      fetch: (api) => api.listSubscriptions(),
      head: ['Subscription', 'Topic', 'State', 'Target'],
      row: (s) => [s.name, s.topic, s.state, targetText(s.target)],
      numeric: [],
    }),
  );

  subscriptions
    .command('describe <name>')
    .description('per partition: committed offset, lag, oldest undelivered record, attempts, dead letters and the last error')
    .option('--json', 'print JSON instead of tables')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const d = await clientFor(cmd).runnel.api.describeSubscription(name);
      if (opts.json) return printLine(JSON.stringify(d, null, 2));
      printDescription(d);
    });

  for (const [verb, state, said] of [
    ['pause', 'paused', 'Paused'],
    ['resume', 'active', 'Resumed'],
  ] as const) {
    subscriptions
      .command(`${verb} <name>`)
      .description(verb === 'pause' ? 'stop delivering (records wait, and are delivered on resume)' : 'deliver again, from where it stopped')
      .action(async (name: string, _opts: object, cmd: Command) => {
        const { runnel, options } = clientFor(cmd);
        await runnel.api.updateSubscription(name, { state });
        if (!options.quiet) printLine(`${said} subscription ${name}.`);
      });
  }

  subscriptions.addCommand(deleteCommand('subscription', 'delete a subscription and its consumer group (its dead-letter topic stays)', (api, name) => api.deleteSubscription(name)));

  return subscriptions;
}
