import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionConcern } from './routes.js';

/**
 * Every Lambda of a deployment: the API's concerns, the scheduled maintenance job, the dispatcher of push
 * subscriptions (woken by the log table's stream), the custom resource behind `Runnel.subscribe`, and the
 * wake sockets' `$connect` and their notifier (woken by the same stream, through a mapping of its own).
 */
export type RunnelFunction = FunctionConcern | 'maintenance' | 'dispatcher' | 'subscription-resource' | WakeSocketFunction;

/** The functions deployed only with wake sockets. */
export type WakeSocketFunction = 'wake-connect' | 'wake-notifier';

/**
 * The directory of a function's prebuilt bundle (`npm run build`, bin/build.ts): `index.mjs`, every
 * dependency inside. Compiled (dist/cdk/functions.js, in the published package or here) the construct finds
 * the bundles beside it in dist/lambdas; run from source (tsx, in this repository) in ../dist/lambdas. So
 * a synth needs neither the handlers' sources nor esbuild, and deploys exactly what the tests ran.
 */
export function bundleDir(name: RunnelFunction): string {
  const base = import.meta.url.endsWith('.ts') ? '../dist/lambdas/' : '../lambdas/';
  const dir = fileURLToPath(new URL(`${base}${name}/`, import.meta.url));
  if (!existsSync(`${dir}index.mjs`)) throw new Error(`no Lambda bundle for ${name} in ${dir}: run \`npm run build\` first`);
  return dir;
}

export interface RunnelFunctionProps {
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export const pascal = (s: string) => s.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());

/**
 * One Runnel function: the prebuilt bundle of `lambdas/<name>.ts` on nodejs22.x and arm64, with its own
 * log group and its own role, whose only grant so far is writing to that log group.
 */
export function runnelFunction(scope: Construct, name: RunnelFunction, props: RunnelFunctionProps): LambdaFunction {
  const logGroup = new LogGroup(scope, `${pascal(name)}Logs`, { retention: props.logRetention, removalPolicy: props.removalPolicy });
  // An own role instead of AWSLambdaBasicExecutionRole, whose log grant covers every log group.
  const role = new Role(scope, `${pascal(name)}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const handler = new LambdaFunction(scope, pascal(name), {
    code: Code.fromAsset(bundleDir(name)),
    handler: 'index.handler',
    description: `Runnel ${name}`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: props.environment,
    role,
    logGroup,
  });
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: 'Pinned to nodejs22.x (LTS, supported by Lambda into 2027): the bundles are built for and tested against node22; move the runtime and the esbuild target (bin/build.ts) together.',
  });
  return handler;
}
