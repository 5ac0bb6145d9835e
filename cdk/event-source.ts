import { CustomResource, Duration, Names, Stack } from 'aws-cdk-lib';
import { StartingPosition, type IEventSource, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SUBSCRIPTION_REQUEST_PROPERTY, type CreateSubscriptionRequest, type StartPosition } from '../lib/contract/subscriptions.js';
import { defaultDeadLetterTopic, SUBSCRIPTION_DEFAULTS } from '../lib/subscriptions/subscription.js';
import { DEFAULT_RETRY_POLICY } from '../lib/subscriptions/retry-policy.js';
import type { Runnel } from './runnel.js';

/**
 * A push subscription's options, named as `KinesisEventSourceProps` names them so that Kinesis users know
 * them. Runnel always honours a `batchItemFailures` answer (a function that returns none acknowledges
 * the whole batch), so there is no `reportBatchItemFailures` switch; and failed records go to a Runnel
 * topic, `deadLetterTopic`, rather than to an SQS or SNS `onFailure` destination.
 */
export interface RunnelEventSourceProps {
  /**
   * The subscription's name: a consumer group of that name holds its offsets (1–128 of [A-Za-z0-9._-]).
   * @default - `<topic>.<the function's unique id>`, cut to 128 characters
   */
  readonly subscriptionName?: string;
  /**
   * The most records in one invocation (also bounded by Lambda's 6 MB payload).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long to wait for a batch to fill before invoking with fewer records.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Where a new subscription starts: TRIM_HORIZON (the earliest record kept), LATEST (records committed
   * from now on), or AT_TIMESTAMP with `startingPositionTimestamp`.
   * @default StartingPosition.LATEST
   */
  readonly startingPosition?: StartingPosition;
  /**
   * With AT_TIMESTAMP: the time, in seconds since the epoch, of the first record to deliver.
   * @default - none
   */
  readonly startingPositionTimestamp?: number;
  /**
   * How many times a failed record is retried before it goes to the dead-letter topic.
   * @default 4 (five attempts, backing off from 1 s to 60 s)
   */
  readonly retryAttempts?: number;
  /**
   * The topic that receives a record after its last failed attempt, with headers naming where it came from.
   * @default - `<subscriptionName>.dlq`, created with the subscription
   */
  readonly deadLetterTopic?: string;
}

function startPositionOf(props: RunnelEventSourceProps): StartPosition {
  switch (props.startingPosition ?? StartingPosition.LATEST) {
    case StartingPosition.TRIM_HORIZON:
      return 'earliest';
    case StartingPosition.LATEST:
      return 'latest';
    case StartingPosition.AT_TIMESTAMP:
      if (props.startingPositionTimestamp === undefined) throw new Error('startingPosition AT_TIMESTAMP needs startingPositionTimestamp');
      return { timestamp: Math.round(props.startingPositionTimestamp * 1000) };
  }
}

/**
 * Subscribes a Lambda function to a Runnel topic, as `KinesisEventSource` subscribes one to a stream:
 * `fn.addEventSource(new RunnelEventSource(runnel, 'orders', { batchSize: 50 }))`. `bind` creates the
 * subscription at deploy time (a custom resource that calls the subscriptions admin in process, deleting
 * it with the stack) and lets the dispatcher, and the maintenance job that resumes its retries, invoke
 * this function and no other.
 */
export class RunnelEventSource implements IEventSource {
  private subscription?: CustomResource;
  private name?: string;

  constructor(
    readonly runnel: Runnel,
    readonly topic: string,
    readonly props: RunnelEventSourceProps = {},
  ) {
    if (props.startingPositionTimestamp !== undefined && props.startingPosition !== StartingPosition.AT_TIMESTAMP) {
      throw new Error('startingPositionTimestamp is only for startingPosition AT_TIMESTAMP');
    }
    if (props.retryAttempts !== undefined && !(Number.isInteger(props.retryAttempts) && props.retryAttempts >= 0)) {
      throw new Error(`retryAttempts must be a whole number ≥ 0, not ${props.retryAttempts}`);
    }
  }

  bind(target: IFunction): void {
    if (this.subscription) throw new Error(`this RunnelEventSource on "${this.topic}" is already bound to a function`);
    const name = this.props.subscriptionName ?? `${this.topic}.${Names.uniqueId(target)}`.slice(0, 128);
    const request: CreateSubscriptionRequest = {
      name,
      topic: this.topic,
      target: { type: 'lambda', functionArn: target.functionArn },
      batchSize: this.props.batchSize ?? SUBSCRIPTION_DEFAULTS.batchSize,
      maxBatchingWindowMs: (this.props.maxBatchingWindow ?? Duration.seconds(0)).toMilliseconds(),
      startPosition: startPositionOf(this.props),
      maxAttempts: (this.props.retryAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts - 1) + 1,
      deadLetterTopic: this.props.deadLetterTopic ?? defaultDeadLetterTopic(name),
    };
    this.subscription = new CustomResource(target, `RunnelSubscription${Names.uniqueId(this.runnel).slice(-8)}${this.topic.replace(/[^A-Za-z0-9]/g, '')}`, {
      serviceToken: this.runnel.functions['subscription-resource'].functionArn,
      resourceType: 'Custom::RunnelSubscription',
      properties: { [SUBSCRIPTION_REQUEST_PROPERTY]: Stack.of(target).toJsonString(request) },
    });
    this.name = name;
    this.runnel.grantDeliverTo(target);
  }

  /** The subscription's name, once bound. */
  get subscriptionName(): string {
    if (!this.name) throw new Error('RunnelEventSource is not bound to a function yet');
    return this.name;
  }
}
