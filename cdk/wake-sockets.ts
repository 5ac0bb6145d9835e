import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface WakeSocketsProps {
  /** The `$connect` function (lambdas/wake-connect.ts), which registers each socket. */
  readonly connect: LambdaFunction;
  /** The wake notifier (lambdas/wake-notifier.ts), which posts the wakes as the log table's stream shows commits. */
  readonly notifier: LambdaFunction;
  /** The function whose wake route hands members the socket URL. */
  readonly fetch: LambdaFunction;
  /** Stage-wide throttling of `$connect`, as the HTTP API's. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The stage name, and so the socket URL's path: `wss://<api>.execute-api.<region>.amazonaws.com/wake`. */
const STAGE = 'wake';

/**
 * The WebSocket API on which idle pull members sleep (lib/wake): one `$connect` route, IAM-authorized,
 * integrated with the function that registers the socket. No `$disconnect` (a registration goes when
 * its wake is sent, when a wake finds the socket gone, or by TTL, so a socket costs one invocation) and
 * no `$default`: clients never send anything. The wake notifier may post to this stage's connections only
 * (PostToConnection, nothing else of the Management API), and the fetch function learns the socket URL.
 */
export class WakeSockets extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: WakeSocketsProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'Runnel wake sockets: idle pull consumers sleep here until a commit wakes them',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', props.connect),
        authorizer: new WebSocketIamAuthorizer(),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: STAGE,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    props.fetch.addEnvironment('RUNNEL_WAKE_SOCKET_URL', this.stage.url);
    props.notifier.addEnvironment('RUNNEL_WAKE_CALLBACK_URL', this.stage.callbackUrl);
    props.notifier.addToRolePolicy(new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [this.arnFor('POST/@connections/*')] }));
    Validations.of(props.notifier.role!).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${Stack.of(this).getLogicalId(this.api.node.defaultChild as never)}>/${STAGE}/POST/@connections/*]`,
      reason: 'Connection ids are API Gateway\'s, made at runtime: the grant is PostToConnection on this one stage\'s connections, the narrowest ARN IAM allows.',
    });
  }

  /** The socket URL, `wss://<api>.execute-api.<region>.amazonaws.com/wake`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Lets `grantee` open wake sockets: `execute-api:Invoke` on this stage's `$connect` route, the action
   * API Gateway authorizes a WebSocket connection as (IAM has no `execute-api:Connect`).
   */
  grantConnect(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [this.arnFor('$connect')] });
  }

  private arnFor(route: string): string {
    return `${Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId })}/${STAGE}/${route}`;
  }
}

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    connectionId: '$context.connectionId',
    eventType: '$context.eventType',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);
