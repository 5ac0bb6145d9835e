import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { WakeSockets } from './wake-sockets.js';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaFunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import { Grant, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition, type Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GROUPS_TABLE_KEYS, GROUPS_TABLE_TTL_ATTRIBUTE, LOG_TABLE_KEYS, TOPICS_TABLE_KEYS } from '../lib/storage/schema.js';
import { RunnelMonitoring } from './monitoring.js';
import { routeOf } from '../lib/contract/routes.js';
import { ROUTES, type ApiRoute, type FunctionConcern } from './routes.js';

import { pascal, runnelFunction, type RunnelFunction, type WakeSocketFunction } from './functions.js';
import { AUTO_CREATE_TOPIC_GRANTS, STORAGE_GRANTS, type StorageResource } from './grants.js';
import { RunnelEventSource, type RunnelEventSourceProps } from './event-source.js';
import { HEAD_WAKEUP_FILTER } from '../lib/subscriptions/stream-wakeups.js';
import { WATCHED_HEAD_FILTER } from '../lib/wake/watched-commits.js';
import { WAKE_SOCKET_MAX_AGE_MS } from '../lib/contract/wake.js';

export { bundleDir, type RunnelFunction } from './functions.js';
export { WakeSockets, type WakeSocketsProps } from './wake-sockets.js';
export { RunnelEventSource, type RunnelEventSourceProps } from './event-source.js';

export interface RunnelJwtAuth {
  /** The token issuer URL, e.g. a Cognito user pool's `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** Accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
  readonly audience: string[];
}

export interface RunnelProps {
  /**
   * What CloudFormation does with the bucket, the tables and the log groups when they leave the stack.
   * DESTROY also empties the bucket on delete and turns off the tables' deletion protection: for dev stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Authorize every route with this JWT authorizer instead of IAM.
   * @default - IAM (SigV4) authorization on every route; grant access with the `grant*` methods
   */
  readonly jwt?: RunnelJwtAuth;
  /**
   * Kafka's `auto.create.topics.enable` with its `num.partitions`: a produce, or a consumer group
   * member's join, naming a topic that does not exist creates it with `numPartitions` partitions
   * (default 1) and the default configs. Off by default, the secure choice: a mistyped topic name is
   * then a 404 rather than a new topic, anyone allowed to produce cannot create topics, and the produce
   * and groups functions get no write access to the topics table.
   * @default - off: producing to a missing topic answers 404 `unknown_topic`
   */
  readonly autoCreateTopics?: { readonly numPartitions?: number };
  /**
   * Stage-wide throttling of the HTTP API.
   * @default - 1,000 requests per second steady, bursts of 2,000
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Memory of the API functions, in MiB; Lambda scales CPU with it.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Retention of the function and access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * When the maintenance job purges deleted topics and applies retention.
   * @default - every 15 minutes
   */
  readonly maintenanceSchedule?: Schedule;
  /**
   * When the maintenance job also deletes orphaned segments (written, never committed). It LISTs every
   * partition, so it runs far less often.
   * @default - daily
   */
  readonly orphanSweepSchedule?: Schedule;
  /**
   * Endpoint overrides passed to every function (`RUNNEL_S3_ENDPOINT`, `RUNNEL_DYNAMODB_ENDPOINT`). Only
   * for emulators such as LocalStack; an S3 endpoint override also switches to path-style bucket addressing.
   * @default - the AWS endpoints of the stack's region
   */
  readonly endpoints?: { readonly s3?: string; readonly dynamoDb?: string };
  /**
   * Where S3 writes the segment bucket's server access logs.
   * @default - no server access logs (CloudTrail data events are the alternative; both cost per request)
   */
  readonly serverAccessLogsBucket?: IBucket;
  /**
   * Alarms and a dashboard (RunnelMonitoring): 24 standard alarms (about $2.40 a month at $0.10 each) and
   * a dashboard ($3 a month), the only fixed cost of a deployment. Off: none of them, for a stack that
   * should cost nothing while idle (a dev stack, or an account watched by other means); `alarmTopic` and
   * the alarm thresholds are then refused, since they would do nothing.
   * @default true
   */
  readonly monitoring?: boolean;
  /**
   * Where the alarms notify.
   * @default - alarms change state without notifying anyone
   */
  readonly alarmTopic?: ITopic;
  /**
   * The produce function's p99 duration above which the latency alarm fires.
   * @default Duration.seconds(1)
   */
  readonly produceLatencyThreshold?: Duration;
  /**
   * The age of a subscription's oldest undelivered record above which the delivery-lag alarm fires.
   * @default Duration.minutes(15)
   */
  readonly subscriptionAgeThreshold?: Duration;
  /**
   * Wake sockets for idle pull consumers: a WebSocket API (IAM authorization on `$connect`) on which a
   * consumer group member whose fetches come back empty sleeps instead of polling, until a commit on a
   * partition it holds wakes it through the log table's stream (docs/client.md, "Idle members"). Each
   * socket costs a `$connect` invocation and a few writes every 9 minutes, and connection-minutes; a
   * topic nobody watches costs nothing. Off: deployed members poll with back-off (1 s up to 5 minutes),
   * about $15 a month for an idle group of two members instead of under $1. Not with `jwt`: a WebSocket
   * cannot carry a bearer token, and the WebSocket API's authorization is IAM.
   * @default - on with IAM authorization, off with `jwt`
   */
  readonly wakeSockets?: boolean;
}

/**
 * A Runnel deployment: a segment bucket, the topics, log and groups tables, one least-privilege Lambda
 * per concern behind an HTTP API (IAM auth by default), a maintenance schedule, alarms and a dashboard.
 * Published as the npm package runnel-streams-cdk (`import { Runnel } from 'runnel-streams-cdk'`), with
 * the Lambda code prebuilt inside it.
 */
export class Runnel extends Construct {
  readonly bucket: Bucket;
  readonly topicsTable: TableV2;
  readonly logTable: TableV2;
  readonly groupsTable: TableV2;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Every function; `wake-connect` and `wake-notifier` only with wake sockets. */
  readonly functions: Readonly<RunnelFunctions>;
  /** The alarms and the dashboard; undefined when `monitoring` is off. */
  readonly monitoring?: RunnelMonitoring;
  /** The wake sockets' WebSocket API and stage; undefined when `wakeSockets` is off. */
  readonly wakeSockets?: WakeSockets;

  constructor(scope: Construct, id: string, props: RunnelProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    if (props.wakeSockets && props.jwt) throw new Error('wakeSockets needs IAM authorization: a WebSocket cannot carry the bearer token that jwt asks for');
    const wakeSockets = props.wakeSockets ?? !props.jwt;

    // Segment keys are `<topicId>/<partition>/<segmentId>`: an unreferenced object (a crash between the
    // PUT and the head append) has no prefix of its own, so no lifecycle rule can expire orphans safely.
    this.bucket = new Bucket(this, 'Segments', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    if (!props.serverAccessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions::AwsSolutions-S1',
        reason:
          'Opt-in through serverAccessLogsBucket: every produce is a PUT, so access logs would add a log object per batch. API access logs already record every request with its IAM caller.',
      });
    }

    const table = (name: string, keys: { partitionKey: KeyDef; sortKey?: KeyDef }, dynamoStream?: StreamViewType, timeToLiveAttribute?: string) =>
      new TableV2(this, name, {
        partitionKey: attribute(keys.partitionKey),
        sortKey: keys.sortKey && attribute(keys.sortKey),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: !destroy,
        removalPolicy,
        dynamoStream,
        timeToLiveAttribute,
      });
    this.topicsTable = table('TopicsTable', TOPICS_TABLE_KEYS);
    // Every commit rewrites its partition's head item: the stream is what wakes push subscriptions and
    // wake sockets. Writing to a stream costs nothing; only reading it does, and Lambda reads it for free.
    // Old images beside the new let the wake notifier tell a commit (nextOffset moved) from a write that
    // only marks a head as watched; they are streamed whether or not wake sockets are on, so turning
    // them on or off never replaces the stream (which would drop the records written meanwhile).
    this.logTable = table('LogTable', LOG_TABLE_KEYS, StreamViewType.NEW_AND_OLD_IMAGES);
    // Wake-socket registrations carry a TTL: API Gateway never says when a socket was dropped.
    // TTL stays on whether or not wake sockets are: items without the attribute never expire, DynamoDB
    // refuses a second TTL change within an hour (turning sockets off and on again would fail the
    // update), and registrations left by sockets that were turned off still expire.
    this.groupsTable = table('GroupsTable', GROUPS_TABLE_KEYS, undefined, GROUPS_TABLE_TTL_ATTRIBUTE);

    const environment: Record<string, string> = {
      RUNNEL_BUCKET: this.bucket.bucketName,
      RUNNEL_TOPICS_TABLE: this.topicsTable.tableName,
      RUNNEL_LOG_TABLE: this.logTable.tableName,
      RUNNEL_GROUPS_TABLE: this.groupsTable.tableName,
      ...(props.autoCreateTopics ? { RUNNEL_AUTO_CREATE_TOPICS: 'true', RUNNEL_NUM_PARTITIONS: String(props.autoCreateTopics.numPartitions ?? 1) } : {}),
      ...(props.endpoints?.s3 ? { RUNNEL_S3_ENDPOINT: props.endpoints.s3 } : {}),
      ...(props.endpoints?.dynamoDb ? { RUNNEL_DYNAMODB_ENDPOINT: props.endpoints.dynamoDb } : {}),
    };
    const fn = (name: RunnelFunction, timeout: Duration, memorySize: number) =>
      runnelFunction(this, name, { timeout, memorySize, environment, logRetention, removalPolicy });

    // API functions answer within API Gateway's 30 s integration limit (a long poll waits at most 20 s).
    const apiTimeout = Duration.seconds(30);
    const memory = props.memorySize ?? 1024;
    const functions: RunnelFunctions = {
      admin: fn('admin', apiTimeout, memory),
      produce: fn('produce', apiTimeout, memory),
      fetch: fn('fetch', apiTimeout, memory),
      groups: fn('groups', apiTimeout, memory),
      maintenance: fn('maintenance', Duration.minutes(15), 512),
      // Waits on targets (a function answers within its own timeout, at most 60 s here), retries them with
      // backoff while its budget lasts, and leaves longer waits to maintenance.
      dispatcher: fn('dispatcher', Duration.minutes(5), memory),
      'subscription-resource': fn('subscription-resource', Duration.minutes(1), 512),
      // A topic read and a few writes, well within the client's 10 s wait for its socket to open.
      ...(wakeSockets ? { 'wake-connect': fn('wake-connect', Duration.seconds(10), 512) } : {}),
      // A Query per woken topic, a post per socket and a few writes, each retried by the SDK.
      ...(wakeSockets ? { 'wake-notifier': fn('wake-notifier', Duration.seconds(30), 512) } : {}),
    };
    this.functions = functions;
    this.grantStorage(functions, props.autoCreateTopics !== undefined);

    // The dispatcher reads the log table's stream through a mapping that passes only the heads of
    // subscribed topics (HEAD_WAKEUP_FILTER): other topics' commits are dropped by Lambda before any
    // invocation, so they cost nothing beyond the stream itself, which Lambda reads for free. Up to ten
    // batches per shard run at once, each head item (a partition) always in the same one, in order. A
    // record is only a wake-up: the dispatcher never fails a batch, and should the function crash, two
    // retries are enough since the maintenance run resumes any partition left with records.
    functions.dispatcher.addEventSource(
      new DynamoEventSource(this.logTable, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        parallelizationFactor: 10,
        retryAttempts: 2,
        bisectBatchOnError: false,
        filters: [streamFilter(HEAD_WAKEUP_FILTER)],
      }),
    );
    // Socket wakes read the same stream (a DynamoDB stream takes two readers) through a mapping of their
    // own that passes only the commits of watched heads (WATCHED_HEAD_FILTER): a mapping runs a slot's
    // batches one at a time, and a dispatcher invocation lasts as long as its slowest delivery (retry
    // backoff, batching windows of minutes), which would hold a socket's wake up behind it. The notifier
    // reports the record of its first failed wake, and Lambda retries from there: a few times, and never
    // for a record older than a socket lives (its member renews it, and the new socket's catch-up fetch
    // covers the commit). A retry wakes no socket twice: a woken socket's registration is deleted.
    if (functions['wake-notifier']) {
      functions['wake-notifier'].addEventSource(
        new DynamoEventSource(this.logTable, {
          startingPosition: StartingPosition.LATEST,
          batchSize: 100,
          parallelizationFactor: 10,
          reportBatchItemFailures: true,
          retryAttempts: 3,
          maxRecordAge: Duration.millis(WAKE_SOCKET_MAX_AGE_MS),
          // The item failure already names where to resume; a crash retries the batch whole.
          bisectBatchOnError: false,
          filters: [streamFilter(WATCHED_HEAD_FILTER)],
        }),
      );
    }

    const authorizer: IHttpRouteAuthorizer = props.jwt
      ? new HttpJwtAuthorizer('Jwt', props.jwt.issuer, { jwtAudience: props.jwt.audience })
      : new HttpIamAuthorizer();
    this.api = new HttpApi(this, 'Api', { description: 'Runnel HTTP API', createDefaultStage: false, defaultAuthorizer: authorizer });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    for (const [concern, routes] of Object.entries(ROUTES) as Array<[FunctionConcern, readonly ApiRoute[]]>) {
      const handler = functions[concern];
      const integration = new HttpLambdaIntegration(`${pascal(concern)}Integration`, handler);
      for (const route of routes) this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }

    if (functions['wake-connect']) {
      this.wakeSockets = new WakeSockets(this, 'WakeSockets', {
        connect: functions['wake-connect'],
        notifier: functions['wake-notifier']!,
        fetch: functions.fetch,
        throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
        logRetention,
        removalPolicy,
      });
    }

    new Rule(this, 'MaintenanceSchedule', {
      description: 'Runnel maintenance: purges deleted topics, applies retention, compacts and merges segments',
      schedule: props.maintenanceSchedule ?? Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunctionTarget(functions.maintenance, { retryAttempts: 2, event: RuleTargetInput.fromObject({ sweepOrphans: false }) })],
    });
    new Rule(this, 'OrphanSweepSchedule', {
      description: 'Runnel maintenance with the orphan sweep, which LISTs every partition',
      schedule: props.orphanSweepSchedule ?? Schedule.rate(Duration.days(1)),
      targets: [new LambdaFunctionTarget(functions.maintenance, { retryAttempts: 2, event: RuleTargetInput.fromObject({ sweepOrphans: true }) })],
    });

    if (props.monitoring === false) {
      const unused = (['alarmTopic', 'produceLatencyThreshold', 'subscriptionAgeThreshold'] as const).filter((k) => props[k] !== undefined);
      if (unused.length) throw new Error(`${unused.join(', ')} need monitoring: with monitoring: false there are no alarms`);
    } else {
      const subscriptionAgeThreshold = props.subscriptionAgeThreshold ?? Duration.minutes(15);
      this.monitoring = new RunnelMonitoring(this, 'Monitoring', {
        api: this.api,
        functions,
        logTable: this.logTable,
        alarmTopic: props.alarmTopic,
        produceLatencyThreshold: props.produceLatencyThreshold ?? Duration.seconds(1),
        subscriptionAgeThreshold,
        // A dispatcher invocation lasts as long as its slowest delivery, so its reads may lag by minutes
        // and it alarms with the subscriptions' own threshold (its lag metric is published by the
        // dispatcher itself, so a stuck dispatcher shows only here). Idle members wait for their wakes up
        // to a socket's life (9 minutes), so a notifier a minute behind is already far outside the
        // wake-up latency they were promised.
        streamReaders: [
          { name: 'dispatcher', fn: functions.dispatcher, maxIteratorAge: subscriptionAgeThreshold },
          ...(functions['wake-notifier'] ? [{ name: 'wake-notifier', fn: functions['wake-notifier'], maxIteratorAge: Duration.minutes(1) }] : []),
        ],
      });
    }
  }

  /**
   * Subscribes `fn` to `topic`: a push subscription created with the stack (and deleted with it), whose
   * dispatcher invokes `fn` with batches of records in the shape of Lambda's self-managed Kafka trigger.
   * Shorthand for `fn.addEventSource(new RunnelEventSource(this, topic, options))`.
   */
  subscribe(topic: string, fn: IFunction, options: RunnelEventSourceProps = {}): RunnelEventSource {
    const source = new RunnelEventSource(this, topic, options);
    fn.addEventSource(source);
    return source;
  }

  /**
   * Lets the dispatcher, and the maintenance job that resumes its retries, invoke `fn`: for subscriptions
   * created through the API rather than `subscribe`. Only the functions given here (or subscribed) can be
   * a subscription's target.
   */
  grantDeliverTo(fn: IFunction): void {
    fn.grantInvoke(this.functions.dispatcher);
    fn.grantInvoke(this.functions.maintenance);
  }

  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }

  /** Lets `grantee` produce to `topic` (or to every topic). */
  grantProduce(grantee: IGrantable, topic = '*'): Grant {
    return this.grantRoutes(grantee, ROUTES.produce, { topic });
  }

  /** Lets `grantee` read `topic` (or every topic): fetch, offset lookup, and describe for its partitions. */
  grantConsume(grantee: IGrantable, topic = '*'): Grant {
    return this.grantRoutes(grantee, [...ROUTES.fetch, routeOf('describeTopic')], { topic });
  }

  /** Lets `grantee` be a member of consumer group `group` (or any group): join, heartbeat, commit, leave, describe. */
  grantGroupMember(grantee: IGrantable, group = '*'): Grant {
    return this.grantRoutes(grantee, ROUTES.groups.filter((r) => !r.operator), { group });
  }

  /** Lets `grantee` run every route: create, list and delete topics and groups, reset offsets. */
  grantAdmin(grantee: IGrantable): Grant {
    return this.grantRoutes(grantee, Object.values(ROUTES).flat(), {});
  }

  /**
   * `execute-api:Invoke` on the given routes, with path parameters bound to `params` (unbound ones match
   * anything). Only meaningful with IAM authorization, the default. A grant of the wake route (the
   * consumer's) also lets `grantee` open wake sockets (`execute-api:Invoke` on `$connect`): a socket's
   * topic is in its query, which IAM cannot see, so that grant is not per topic. What a socket tells is
   * only that a partition had a commit, never a record.
   */
  grantRoutes(grantee: IGrantable, routes: readonly ApiRoute[], params: Record<string, string>): Grant {
    const resourceArns = routes.map((r) =>
      this.api.arnForExecuteApi(r.method, r.path.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? '*'), this.stage.stageName),
    );
    const grant = Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
    const wake = this.wakeSockets && routes.some((r) => r.operationId === 'wakeChannel');
    return wake ? grant.combine(this.wakeSockets!.grantConnect(grantee)) : grant;
  }

  /** Each function's rows of the grant table (cdk/grants.ts), on this deployment's tables and bucket. */
  private grantStorage(functions: Partial<Record<RunnelFunction, LambdaFunction>>, autoCreateTopics: boolean): void {
    const arns: Record<StorageResource, string> = {
      topics: this.topicsTable.tableArn,
      log: this.logTable.tableArn,
      groups: this.groupsTable.tableArn,
      bucket: this.bucket.bucketArn,
      objects: this.bucket.arnForObjects('*'),
    };
    for (const [name, base] of Object.entries(STORAGE_GRANTS) as Array<[RunnelFunction, (typeof STORAGE_GRANTS)[RunnelFunction]]>) {
      const fn = functions[name];
      if (!fn) continue;
      const grants = [...base, ...(autoCreateTopics ? (AUTO_CREATE_TOPIC_GRANTS[name] ?? []) : [])];
      for (const grant of grants) fn.addToRolePolicy(new PolicyStatement({ actions: [...grant.actions], resources: [arns[grant.on]] }));
      if (grants.some((g) => g.on === 'objects')) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
          reason: 'Segment objects are keyed <topicId>/<partition>/<segmentId> with ids generated at runtime, so the object ARN cannot be narrower than the bucket; the actions are listed one by one.',
        });
      }
    }
  }
}

/** Every function of a deployment; those of wake sockets only when they are on. */
export type RunnelFunctions = Record<Exclude<RunnelFunction, WakeSocketFunction>, LambdaFunction> & Partial<Record<WakeSocketFunction, LambdaFunction>>;

/** A Lambda event filter pattern (lib/) as the mapping takes it. */
const streamFilter = (pattern: object) => FilterCriteria.filter(JSON.parse(JSON.stringify(pattern)) as Record<string, unknown>);

interface KeyDef {
  readonly name: string;
  readonly type: 'S' | 'N';
}

const attribute = (key: KeyDef) => ({ name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);
