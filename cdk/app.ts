import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { buildLambdaBundles, lambdaBundlesFresh } from '../bin/build.js';
import { AwsSolutionsChecks } from './nag.js';
import type { RunnelProps } from './runnel.js';
import { RunnelStack } from './stack.js';

/**
 * The deployable app. Everything comes from context (`-c key=value`), nothing from lookups, so
 * `cdk synth` needs neither credentials nor network:
 *   runnel:stackName        stack name (default Runnel)
 *   runnel:removalPolicy    `destroy` for dev stacks (default: retain the bucket, tables and logs)
 *   runnel:jwtIssuer / runnel:jwtAudience   JWT auth instead of IAM (audience comma-separated)
 *   runnel:s3Endpoint / runnel:dynamoDbEndpoint   endpoint overrides for the functions (LocalStack)
 *   runnel:wakeSockets      `false` to deploy no wake sockets (deployed members then poll)
 *   runnel:monitoring       `false` to deploy no alarms and no dashboard (the only fixed monthly cost)
 *   runnel:account / runnel:region   pin the stack's environment (default: environment-agnostic)
 */
export function runnelPropsFromContext(app: App): RunnelProps {
  const ctx = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(`runnel:${key}`);
    return value === undefined || value === '' ? undefined : String(value);
  };
  const removal = ctx('removalPolicy') ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy') throw new Error(`context runnel:removalPolicy must be "retain" or "destroy", not "${removal}"`);
  const issuer = ctx('jwtIssuer');
  const wakeSockets = flag(ctx, 'wakeSockets');
  const monitoring = flag(ctx, 'monitoring');
  return {
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(issuer ? { jwt: { issuer, audience: (ctx('jwtAudience') ?? '').split(',').filter(Boolean) } } : {}),
    endpoints: { s3: ctx('s3Endpoint'), dynamoDb: ctx('dynamoDbEndpoint') },
    ...(wakeSockets === undefined ? {} : { wakeSockets }),
    ...(monitoring === undefined ? {} : { monitoring }),
  };
}

function flag(ctx: (key: string) => string | undefined, key: string): boolean | undefined {
  const value = ctx(key);
  if (value !== undefined && value !== 'true' && value !== 'false') throw new Error(`context runnel:${key} must be "true" or "false", not "${value}"`);
  return value === undefined ? undefined : value === 'true';
}

export function buildApp(app = new App()): App {
  const account = app.node.tryGetContext('runnel:account') as string | undefined;
  const region = app.node.tryGetContext('runnel:region') as string | undefined;
  new RunnelStack(app, (app.node.tryGetContext('runnel:stackName') as string | undefined) ?? 'Runnel', {
    description: 'Runnel: serverless event streaming on S3 and DynamoDB',
    ...(account || region ? { env: { account, region } } : {}),
    runnel: runnelPropsFromContext(app),
  });
  // Every synth is checked: an unacknowledged AwsSolutions finding fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The construct deploys the prebuilt bundles in dist/lambdas: `npx cdk synth` and `npx cdk deploy` in
  // this repository build them first when any of their sources changed.
  if (!lambdaBundlesFresh()) await buildLambdaBundles();
  buildApp().synth();
}
