import { App, CfnDeletionPolicy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, Policy, Role } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
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

function invokeArns(props: RunnelProps, grant: (runnel: Runnel, role: Role) => void): string[] {
  const { stack, runnel } = build(props);
  const role = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
  grant(runnel, role);
  const policy = role.node.findChild('DefaultPolicy') as Policy;
  const statements = stack.resolve(policy.document).Statement as Array<{ Action: string; Resource: unknown }>;
  // Each resource is an Fn::Join ending in the route part: keep that part.
  return statements.flatMap((s) => {
    expect(s.Action).toBe('execute-api:Invoke');
    return [s.Resource].flat().map((r: any) => String(r['Fn::Join'][1].at(-1)));
  });
}

describe('the Runnel construct', () => {
  it('grants produce on one topic through its execute-api ARN', () => {
    expect(invokeArns({}, (r, role) => r.grantProduce(role, 'orders'))).toEqual(['/$default/POST/v1/topics/orders/records']);
  });

  it('grants consume on one topic: fetch and offsets of any partition, and describe', () => {
    expect(invokeArns({}, (r, role) => r.grantConsume(role, 'orders')).sort()).toEqual(
      [
        '/$default/GET/v1/topics/orders/partitions/*/records',
        '/$default/GET/v1/topics/orders/partitions/*/offsets',
        '/$default/GET/v1/topics/orders',
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

  it('streams the log table\'s new images (the wake-up of push subscriptions) and no other table', () => {
    const { stack, runnel } = build();
    const streamOf = (t: { node: { defaultChild: unknown } }) => stack.resolve((t.node.defaultChild as CfnGlobalTable).streamSpecification);
    expect(streamOf(runnel.logTable)).toEqual({ streamViewType: 'NEW_IMAGE' });
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

describe('the app context', () => {
  const props = (context: Record<string, string>) => runnelPropsFromContext(new App({ context }));

  it('retains by default and destroys on request', () => {
    expect(props({}).removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(props({ 'runnel:removalPolicy': 'destroy' }).removalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  it('refuses an unknown removal policy, naming it', () => {
    expect(() => props({ 'runnel:removalPolicy': 'delete' })).toThrow(/runnel:removalPolicy.*"delete"/);
  });

  it('reads the JWT authorizer and endpoint overrides', () => {
    expect(props({ 'runnel:jwtIssuer': 'https://i', 'runnel:jwtAudience': 'a,b', 'runnel:s3Endpoint': 'http://s3' })).toMatchObject({
      jwt: { issuer: 'https://i', audience: ['a', 'b'] },
      endpoints: { s3: 'http://s3' },
    });
  });
});
