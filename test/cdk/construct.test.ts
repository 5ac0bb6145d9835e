import { App, CfnDeletionPolicy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, Policy, Role } from 'aws-cdk-lib/aws-iam';
import { Duration } from 'aws-cdk-lib';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnEventSourceMapping, Code, Function as LambdaFunction, Runtime, StartingPosition, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CustomResource } from 'aws-cdk-lib';
import { RunnelEventSource } from '../../cdk/event-source.js';
import { HEAD_WAKEUP_FILTER } from '../../lib/subscriptions/stream-wakeups.js';
import { WATCHED_HEAD_FILTER } from '../../lib/wake/watched-commits.js';
import { WAKE_SOCKET_MAX_AGE_MS } from '../../lib/contract/wake.js';
import { DELIVERY_METRICS } from '../../lib/observability/metric-names.js';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { runnelPropsFromContext } from '../../cdk/app.js';
import { ROUTES } from '../../cdk/routes.js';
import { Runnel, type RunnelProps } from '../../cdk/runnel.js';

// The construct's options, checked on the construct tree itself: no synth, so no bundling or asset hashing
// (test/cdk/deploy.test.ts synthesizes the default app for real).
function build(props: RunnelProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const runnel = new Runnel(stack, 'Runnel', props);
  return { stack, runnel };
}

/** The Properties of every event source mapping under the construct. */
function mappingsOf(stack: Stack, runnel: Runnel): any[] {
  return runnel.node
    .findAll()
    .filter((c): c is CfnEventSourceMapping => c instanceof CfnEventSourceMapping)
    .map((m) => (Object.values(stack.resolve(m._toCloudFormation()).Resources)[0] as any).Properties);
}

function invokeArns(props: RunnelProps, grant: (runnel: Runnel, role: Role) => void): string[] {
  const { stack, runnel } = build(props);
  const role = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
  grant(runnel, role);
  const policy = role.node.findChild('DefaultPolicy') as Policy;
  const statements = stack.resolve(policy.document).Statement as Array<{ Action: string; Resource: unknown }>;
  // Each resource is an Fn::Join ending in the route part: keep that part.
  return statements
    .filter((s) => s.Action === 'execute-api:Invoke')
    .flatMap((s) => [s.Resource].flat().map((r: any) => String(r['Fn::Join'][1].at(-1))));
}

describe('the Runnel construct', () => {
  it('grants produce on one topic through its execute-api ARN', () => {
    expect(invokeArns({}, (r, role) => r.grantProduce(role, 'orders'))).toEqual(['/$default/POST/v1/topics/orders/records']);
  });

  it('grants consume on one topic: fetch (one partition or many), its wake channel, and offsets of any partition, and describe', () => {
    expect(invokeArns({}, (r, role) => r.grantConsume(role, 'orders')).sort()).toEqual(
      [
        '/$default/GET/v1/topics/orders/partitions/*/records',
        '/$default/POST/v1/topics/orders/fetch',
        '/$default/GET/v1/topics/orders/wake',
        '/$default/GET/v1/topics/orders/partitions/*/offsets',
        '/$default/GET/v1/topics/orders',
        // The wake socket the wake route hands out: its $connect, on the WebSocket API's stage.
        '/wake/$connect',
      ].sort(),
    );
  });

  it('grants a group member its group and none of the operator routes', () => {
    const arns = invokeArns({}, (r, role) => r.grantGroupMember(role, 'billing'));
    expect(arns.length).toBe(ROUTES.groups.filter((route) => !route.operator).length);
    for (const arn of arns) expect(arn).toMatch(/^\/\$default\/(GET|POST|DELETE)\/v1\/groups\/billing(\/|$)/);
    expect(arns).not.toContain('/$default/POST/v1/groups/billing/offsets');
  });

  it('puts every route behind the JWT authorizer when one is given', () => {
    const { stack, runnel } = build({ jwt: { issuer: 'https://issuer.example.com', audience: ['runnel'] } });
    const routes = runnel.api.node.findAll().filter((c): c is CfnRoute => c instanceof CfnRoute);
    expect(routes.length).toBe(Object.values(ROUTES).flat().length);
    for (const route of routes) expect(stack.resolve(route.authorizationType)).toBe('JWT');
  });

  it('destroys data only when asked to', () => {
    const retained = build().runnel;
    expect((retained.bucket.node.defaultChild as CfnBucket).cfnOptions.deletionPolicy).toBe(CfnDeletionPolicy.RETAIN);
    const destroyed = build({ removalPolicy: RemovalPolicy.DESTROY }).runnel;
    expect((destroyed.bucket.node.defaultChild as CfnBucket).cfnOptions.deletionPolicy).toBe(CfnDeletionPolicy.DELETE);
    const table = destroyed.logTable.node.defaultChild as CfnGlobalTable;
    expect(table.cfnOptions.deletionPolicy).toBe(CfnDeletionPolicy.DELETE);
  });

  it('streams the log table\'s new and old images (the wake-up of push subscriptions and wake sockets) and no other table', () => {
    const { stack, runnel } = build();
    const streamOf = (t: { node: { defaultChild: unknown } }) => stack.resolve((t.node.defaultChild as CfnGlobalTable).streamSpecification);
    expect(streamOf(runnel.logTable)).toEqual({ streamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(streamOf(build({ wakeSockets: false }).runnel.logTable)).toEqual({ streamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(streamOf(runnel.topicsTable)).toBeUndefined();
    expect(streamOf(runnel.groupsTable)).toBeUndefined();
  });

  it('passes endpoint overrides to every function, and none by default', () => {
    const envOf = (runnel: Runnel) =>
      Object.values(runnel.functions).map((fn) => {
        const rendered = Stack.of(runnel).resolve((fn.node.defaultChild as CfnFunction)._toCloudFormation());
        return (Object.values(rendered.Resources)[0] as any).Properties.Environment.Variables;
      });
    for (const env of envOf(build().runnel)) expect(env).not.toHaveProperty('RUNNEL_S3_ENDPOINT');
    const local = build({ endpoints: { s3: 'http://s3.localhost.localstack.cloud:4566', dynamoDb: 'http://localhost.localstack.cloud:4566' } }).runnel;
    for (const env of envOf(local)) {
      expect(env).toMatchObject({ RUNNEL_S3_ENDPOINT: 'http://s3.localhost.localstack.cloud:4566', RUNNEL_DYNAMODB_ENDPOINT: 'http://localhost.localstack.cloud:4566' });
    }
  });
});

describe('push subscriptions in the construct', () => {
  const consumer = (stack: Stack, id: string) => new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=async()=>{}') });
  const requestOf = (stack: Stack, fn: LambdaFunction) => {
    const resource = fn.node.children.find((c): c is CustomResource => c instanceof CustomResource)!;
    const cfn = stack.resolve((resource.node.defaultChild as any)._toCloudFormation());
    const props = (Object.values(cfn.Resources)[0] as any).Properties;
    // Stack.toJsonString renders tokens as an Fn::Join: put the function's ARN back as a marker.
    const json = props.Request['Fn::Join'] ? props.Request['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'ARN')).join('') : props.Request;
    return { request: JSON.parse(json), serviceToken: props.ServiceToken };
  };
  const policyOf = (stack: Stack, fn: LambdaFunction) => {
    const policy = fn.role!.node.tryFindChild('DefaultPolicy') as Policy | undefined;
    return policy ? (stack.resolve(policy.document).Statement as Array<{ Action: string | string[]; Resource: unknown }>) : [];
  };
  const invokeResources = (stack: Stack, fn: LambdaFunction) =>
    policyOf(stack, fn)
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat());

  it('maps the log table stream to the dispatcher through the subscribed-head filter only, with bounded retries', () => {
    const { stack, runnel } = build();
    const props = mappingsOf(stack, runnel).find((p) => JSON.stringify(p.FunctionName) === JSON.stringify(stack.resolve(runnel.functions.dispatcher.functionName)))!;
    expect(props.EventSourceArn).toEqual(stack.resolve(runnel.logTable.tableStreamArn));
    expect(props).toMatchObject({ StartingPosition: 'LATEST', BatchSize: 100, ParallelizationFactor: 10, MaximumRetryAttempts: 2, BisectBatchOnFunctionError: false });
    expect(props.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([HEAD_WAKEUP_FILTER]);
  });

  it('creates a subscription at deploy time with Kinesis-like defaults, through its own custom resource function', () => {
    const { stack, runnel } = build();
    const fn = consumer(stack, 'Billing');
    const source = runnel.subscribe('orders', fn, { subscriptionName: 'billing' });
    const { request, serviceToken } = requestOf(stack, fn);
    expect(serviceToken).toEqual(stack.resolve(runnel.functions['subscription-resource'].functionArn));
    expect(request).toEqual({
      name: 'billing',
      topic: 'orders',
      target: { type: 'lambda', functionArn: 'ARN' },
      batchSize: 100,
      maxBatchingWindowMs: 0,
      startPosition: 'latest',
      maxAttempts: 5,
      deadLetterTopic: 'billing.dlq',
    });
    expect(source.subscriptionName).toBe('billing');
  });

  it('translates the Kinesis prop names: starting position, batching window, retry attempts, dead-letter topic', () => {
    const { stack, runnel } = build();
    const fn = consumer(stack, 'Email');
    fn.addEventSource(
      new RunnelEventSource(runnel, 'orders', {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(2),
        startingPosition: StartingPosition.TRIM_HORIZON,
        retryAttempts: 0,
        deadLetterTopic: 'orders-failed',
      }),
    );
    expect(requestOf(stack, fn).request).toMatchObject({ batchSize: 10, maxBatchingWindowMs: 2000, startPosition: 'earliest', maxAttempts: 1, deadLetterTopic: 'orders-failed' });
    expect(requestOf(stack, fn).request.name).toMatch(/^orders\.[A-Za-z0-9._-]+$/);
    const at = consumer(stack, 'Audit');
    runnel.subscribe('orders', at, { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1_790_000_000.5 });
    expect(requestOf(stack, at).request.startPosition).toEqual({ timestamp: 1_790_000_000_500 });
  });

  it('refuses options that cannot be right, naming them', () => {
    const { runnel } = build();
    expect(() => new RunnelEventSource(runnel, 'orders', { startingPosition: StartingPosition.AT_TIMESTAMP })).not.toThrow();
    expect(() => runnel.subscribe('orders', consumer(Stack.of(runnel), 'X'), { startingPosition: StartingPosition.AT_TIMESTAMP })).toThrow(/startingPositionTimestamp/);
    expect(() => new RunnelEventSource(runnel, 'orders', { startingPositionTimestamp: 5 })).toThrow(/AT_TIMESTAMP/);
    expect(() => new RunnelEventSource(runnel, 'orders', { retryAttempts: -1 })).toThrow(/retryAttempts/);
  });

  it('lets the dispatcher and maintenance invoke subscribed functions and no other', () => {
    const { stack, runnel } = build();
    expect(invokeResources(stack, runnel.functions.dispatcher)).toEqual([]);
    const subscribed = consumer(stack, 'Subscribed');
    const other = consumer(stack, 'Other');
    runnel.subscribe('orders', subscribed);
    const arns = (fn: LambdaFunction) => [stack.resolve(fn.functionArn), { 'Fn::Join': ['', [stack.resolve(fn.functionArn), ':*']] }];
    for (const fn of [runnel.functions.dispatcher, runnel.functions.maintenance]) {
      const resources = invokeResources(stack, fn);
      expect(resources).toEqual(arns(subscribed));
      expect(JSON.stringify(resources)).not.toContain(JSON.stringify(stack.resolve(other.functionArn)));
    }
    for (const name of ['produce', 'fetch', 'groups', 'admin', 'subscription-resource'] as const) expect(invokeResources(stack, runnel.functions[name]), name).toEqual([]);
  });

  it('alarms when a subscription\'s oldest undelivered record is older than the threshold', () => {
    const age = (runnel: Runnel) =>
      runnel.monitoring!.alarms
        .map((a) => Stack.of(runnel).resolve((a.node.defaultChild as CfnAlarm)._toCloudFormation()))
        .map((t) => (Object.values(t.Resources)[0] as any).Properties)
        .find((p) => p.MetricName === DELIVERY_METRICS.oldestUndeliveredAge);
    expect(age(build().runnel)).toMatchObject({ Namespace: 'Runnel', Statistic: 'Maximum', Threshold: 15 * 60_000, Dimensions: [{ Name: 'service', Value: 'dispatcher' }] });
    expect(age(build({ subscriptionAgeThreshold: Duration.minutes(2) }).runnel).Threshold).toBe(120_000);
  });

  it('alarms when a reader of the log table\'s stream falls behind: the dispatcher at the subscription threshold, the wake notifier at a minute', () => {
    const iteratorAges = (runnel: Runnel) => {
      const stack = Stack.of(runnel);
      const names = new Map(Object.entries(runnel.functions).map(([name, fn]) => [JSON.stringify(stack.resolve(fn.functionName)), name]));
      return Object.fromEntries(
        runnel.monitoring!.alarms
          .map((a) => Object.values(stack.resolve((a.node.defaultChild as CfnAlarm)._toCloudFormation()).Resources)[0] as any)
          .map((r) => r.Properties)
          .filter((p) => p.MetricName === 'IteratorAge')
          .map((p) => {
            expect(p).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', Period: 60, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
            return [names.get(JSON.stringify(p.Dimensions[0].Value)), p.Threshold];
          }),
      );
    };
    expect(iteratorAges(build().runnel)).toEqual({ dispatcher: 15 * 60_000, 'wake-notifier': 60_000 });
    expect(iteratorAges(build({ subscriptionAgeThreshold: Duration.minutes(2) }).runnel)).toEqual({ dispatcher: 120_000, 'wake-notifier': 60_000 });
    expect(iteratorAges(build({ wakeSockets: false }).runnel)).toEqual({ dispatcher: 15 * 60_000 });
  });

  it('deploys no alarm and no dashboard with monitoring: false, and refuses alarm settings that would then do nothing', () => {
    const typesOf = (stack: Stack) => Object.values((stack.resolve((stack as any)._toCloudFormation()) as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
    const off = build({ monitoring: false });
    expect(off.runnel.monitoring).toBeUndefined();
    expect(typesOf(off.stack)).not.toContain('AWS::CloudWatch::Alarm');
    expect(typesOf(off.stack)).not.toContain('AWS::CloudWatch::Dashboard');
    expect(typesOf(off.stack)).toContain('AWS::Lambda::Function');
    expect(typesOf(build().stack).filter((t) => t === 'AWS::CloudWatch::Alarm')).toHaveLength(24);
    expect(() => build({ monitoring: false, subscriptionAgeThreshold: Duration.minutes(2) })).toThrow(/subscriptionAgeThreshold need monitoring/);
    expect(() => build({ monitoring: false, produceLatencyThreshold: Duration.seconds(2) })).toThrow(/produceLatencyThreshold need monitoring/);
  });
});

describe('wake sockets in the construct', () => {
  const rendered = (stack: Stack) => stack.resolve((stack as any)._toCloudFormation()) as { Resources: Record<string, { Type: string; Properties: any }> };
  const resourcesOf = (stack: Stack, type: string) => Object.entries(rendered(stack).Resources).filter(([, r]) => r.Type === type);
  const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const envOf = (stack: Stack, fn: LambdaFunction) => (Object.values(stack.resolve((fn.node.defaultChild as CfnFunction)._toCloudFormation()).Resources)[0] as any).Properties.Environment.Variables;
  const statementsOf = (stack: Stack, fn: { role?: unknown }) =>
    stack.resolve(((fn.role as Role).node.findChild('DefaultPolicy') as Policy).document).Statement as Array<{ Action: string | string[]; Resource: unknown }>;

  it('deploys a WebSocket API whose only route is $connect, IAM-authorized and integrated with the wake-connect function', () => {
    const { stack, runnel } = build();
    const apis = resourcesOf(stack, 'AWS::ApiGatewayV2::Api').filter(([, r]) => r.Properties.ProtocolType === 'WEBSOCKET');
    expect(apis).toHaveLength(1);
    const [apiId] = apis[0]!;
    const routes = resourcesOf(stack, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    expect(routes.map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType])).toEqual([['$connect', 'AWS_IAM']]);
    const integrations = resourcesOf(stack, 'AWS::ApiGatewayV2::Integration').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    expect(JSON.stringify(integrations[0]![1].Properties.IntegrationUri)).toContain(logicalId(stack, runnel.functions['wake-connect']!));
    const stages = resourcesOf(stack, 'AWS::ApiGatewayV2::Stage').filter(([, r]) => r.Properties.ApiId.Ref === apiId);
    expect(stages.map(([, r]) => r.Properties)).toEqual([expect.objectContaining({ StageName: 'wake', AutoDeploy: true, AccessLogSettings: expect.anything() })]);
  });

  it('lets the wake notifier post to this API\'s wake stage only, and tells it and the fetch function where', () => {
    const { stack, runnel } = build();
    const notifier = runnel.functions['wake-notifier']!;
    const manage = statementsOf(stack, notifier).filter((s) => [s.Action].flat().some((a) => a.startsWith('execute-api:')));
    expect(manage.map((s) => s.Action)).toEqual(['execute-api:ManageConnections']);
    const arn = JSON.stringify(manage[0]!.Resource);
    expect(arn).toContain(logicalId(stack, runnel.wakeSockets!.api));
    expect(arn).toContain('/wake/POST/@connections/*');
    expect(JSON.stringify(envOf(stack, notifier).RUNNEL_WAKE_CALLBACK_URL)).toMatch(/https:\/\/.*\/wake/);
    expect(envOf(stack, runnel.functions.dispatcher)).not.toHaveProperty('RUNNEL_WAKE_CALLBACK_URL');
    expect(JSON.stringify(envOf(stack, runnel.functions.fetch).RUNNEL_WAKE_SOCKET_URL)).toMatch(/wss:\/\/.*\/wake/);
    for (const fn of ['produce', 'groups', 'admin', 'maintenance', 'dispatcher'] as const) {
      expect(statementsOf(stack, runnel.functions[fn]).filter((s) => [s.Action].flat().some((a) => a.startsWith('execute-api:'))), fn).toEqual([]);
    }
  });

  it('maps the stream to the wake notifier through the watched-head filter only, retrying reported failures a bounded time, and expires registrations with the groups table\'s TTL', () => {
    const { stack, runnel } = build();
    const mappings = mappingsOf(stack, runnel);
    expect(mappings).toHaveLength(2);
    const props = mappings.find((p) => JSON.stringify(p.FunctionName) === JSON.stringify(stack.resolve(runnel.functions['wake-notifier']!.functionName)))!;
    expect(props.EventSourceArn).toEqual(stack.resolve(runnel.logTable.tableStreamArn));
    expect(props.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([WATCHED_HEAD_FILTER]);
    expect(props).toMatchObject({
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: WAKE_SOCKET_MAX_AGE_MS / 1000,
      BisectBatchOnFunctionError: false,
    });
    expect(stack.resolve((runnel.groupsTable.node.defaultChild as CfnGlobalTable).timeToLiveSpecification)).toEqual({ enabled: true, attributeName: 'ttl' });
  });

  it('gives the wake notifier only what a wake does, and the dispatcher nothing of it', () => {
    const { stack, runnel } = build();
    const actionsOn = (fn: LambdaFunction, table: { tableArn: string }) =>
      statementsOf(stack, fn)
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(stack.resolve(table.tableArn)))
        .flatMap((s) => [s.Action].flat())
        .sort();
    const notifier = runnel.functions['wake-notifier']!;
    expect(actionsOn(notifier, runnel.groupsTable)).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(actionsOn(notifier, runnel.logTable)).toEqual(['dynamodb:UpdateItem']);
    expect(actionsOn(notifier, runnel.topicsTable)).toEqual([]);
    expect(statementsOf(stack, notifier).flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actionsOn(runnel.functions.dispatcher, runnel.groupsTable)).not.toContain('dynamodb:DeleteItem');
  });

  // IAM knows no execute-api:Connect: API Gateway authorizes a WebSocket's $connect as execute-api:Invoke
  // on arn:…:<api>/<stage>/$connect (API Gateway developer guide, "Control access to WebSocket APIs with
  // IAM authorization": the actions are Invoke, InvalidateCache and ManageConnections).
  it('grants execute-api:Invoke on $connect with the wake route (consume, admin), and not with produce', () => {
    const connectOf = (grant: (r: Runnel, role: Role) => void) => {
      const { stack, runnel } = build();
      const role = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
      grant(runnel, role);
      const statements = statementsOf(stack, { role });
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => !['execute-api:Invoke'].includes(a))).toEqual([]);
      return statements.map((s) => JSON.stringify(s.Resource)).filter((r) => r.includes('$connect'));
    };
    const consume = connectOf((r, role) => r.grantConsume(role, 'orders'));
    expect(consume).toHaveLength(1);
    expect(consume[0]).toContain('/wake/$connect');
    expect(connectOf((r, role) => r.grantAdmin(role))).toHaveLength(1);
    expect(connectOf((r, role) => r.grantProduce(role))).toEqual([]);
  });

  it('is off with wakeSockets: false, and with jwt: no WebSocket API, functions, mapping or socket URL; the TTL stays (registrations left behind expire)', () => {
    for (const props of [{ wakeSockets: false }, { jwt: { issuer: 'https://issuer.example.com', audience: ['runnel'] } }] as RunnelProps[]) {
      const { stack, runnel } = build(props);
      expect(resourcesOf(stack, 'AWS::ApiGatewayV2::Api').filter(([, r]) => r.Properties.ProtocolType === 'WEBSOCKET')).toEqual([]);
      expect(runnel.functions['wake-connect']).toBeUndefined();
      expect(runnel.functions['wake-notifier']).toBeUndefined();
      expect(runnel.wakeSockets).toBeUndefined();
      const mappings = resourcesOf(stack, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
      expect(mappings.map((m) => m.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern)))).toEqual([[HEAD_WAKEUP_FILTER]]);
      expect(stack.resolve((runnel.groupsTable.node.defaultChild as CfnGlobalTable).timeToLiveSpecification)).toEqual({ enabled: true, attributeName: 'ttl' });
      expect(envOf(stack, runnel.functions.fetch)).not.toHaveProperty('RUNNEL_WAKE_SOCKET_URL');
    }
  });

  it('refuses wakeSockets with jwt, saying why', () => {
    expect(() => build({ wakeSockets: true, jwt: { issuer: 'https://i', audience: ['a'] } })).toThrow(/wakeSockets needs IAM/);
  });
});

describe('topic auto-creation in the construct', () => {
  const envOf = (runnel: Runnel, fn: 'produce' | 'groups') => {
    const rendered = Stack.of(runnel).resolve((runnel.functions[fn].node.defaultChild as CfnFunction)._toCloudFormation());
    return (Object.values(rendered.Resources)[0] as any).Properties.Environment.Variables;
  };
  /** The actions a function's role may take on the topics table. */
  const topicsActions = (runnel: Runnel, fn: 'produce' | 'groups') => {
    const stack = Stack.of(runnel);
    const policy = runnel.functions[fn].role!.node.findChild('DefaultPolicy') as Policy;
    const topics = JSON.stringify(stack.resolve(runnel.topicsTable.tableArn));
    return (stack.resolve(policy.document).Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .filter((st) => [st.Resource].flat().some((r) => JSON.stringify(r) === topics))
      .flatMap((st) => [st.Action].flat());
  };

  it('is off by default: no setting, and the produce and groups functions only read the topics table', () => {
    const { runnel } = build();
    for (const fn of ['produce', 'groups'] as const) {
      expect(envOf(runnel, fn)).not.toHaveProperty('RUNNEL_AUTO_CREATE_TOPICS');
      expect(topicsActions(runnel, fn)).toEqual(['dynamodb:GetItem']);
    }
  });

  it('on with autoCreateTopics: the setting and num.partitions reach the functions, which may then create topics', () => {
    const { runnel } = build({ autoCreateTopics: { numPartitions: 6 } });
    for (const fn of ['produce', 'groups'] as const) {
      expect(envOf(runnel, fn)).toMatchObject({ RUNNEL_AUTO_CREATE_TOPICS: 'true', RUNNEL_NUM_PARTITIONS: '6' });
      expect(topicsActions(runnel, fn)).toContain('dynamodb:PutItem');
    }
  });
});

describe('the app context', () => {
  const props = (context: Record<string, string>) => runnelPropsFromContext(new App({ context }));

  it('retains by default and destroys on request', () => {
    expect(props({}).removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(props({ 'runnel:removalPolicy': 'destroy' }).removalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  it('refuses an unknown removal policy, naming it', () => {
    expect(() => props({ 'runnel:removalPolicy': 'delete' })).toThrow(/runnel:removalPolicy.*"delete"/);
  });

  it('reads wakeSockets, and refuses anything but true or false', () => {
    expect(props({ 'runnel:wakeSockets': 'false' }).wakeSockets).toBe(false);
    expect(props({}).wakeSockets).toBeUndefined();
    expect(() => props({ 'runnel:wakeSockets': 'off' })).toThrow(/runnel:wakeSockets.*"off"/);
  });

  it('reads monitoring, and refuses anything but true or false', () => {
    expect(props({ 'runnel:monitoring': 'false' }).monitoring).toBe(false);
    expect(props({ 'runnel:monitoring': 'true' }).monitoring).toBe(true);
    expect(props({}).monitoring).toBeUndefined();
    expect(() => props({ 'runnel:monitoring': 'no' })).toThrow(/runnel:monitoring.*"no"/);
  });

  it('reads the JWT authorizer and endpoint overrides', () => {
    expect(props({ 'runnel:jwtIssuer': 'https://i', 'runnel:jwtAudience': 'a,b', 'runnel:s3Endpoint': 'http://s3' })).toMatchObject({
      jwt: { issuer: 'https://i', audience: ['a', 'b'] },
      endpoints: { s3: 'http://s3' },
    });
  });
});
