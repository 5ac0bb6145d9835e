import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type FunctionConcern } from '../../cdk/routes.js';
import { HttpClient } from '../../lib/client/http.js';
import { RunnelApi } from '../../lib/client/api.js';
import { openApiDocument } from '../../lib/http/openapi.js';
import { GROUPS_TABLE_KEYS, LOG_TABLE_KEYS, TOPICS_TABLE_KEYS } from '../../lib/storage/schema.js';
import { API_CHECKS, runChecks } from '../remote/checks.js';
import { hostBundle, type BundleHost } from '../support/bundle-host.js';
import { apiGatewayFetch, bundlesIn, lambdaEnvironment, readTemplate, synthWithCli } from '../support/lambda-bundles.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

// One real `cdk synth` (the pinned CLI, no credentials, no network) serves every test in this file.
const outdir = mkdtempSync(join(tmpdir(), 'runnel-cdk-'));
let template: Template;
let raw: any;

beforeAll(() => {
  synthWithCli(outdir);
  raw = readTemplate(outdir);
  template = Template.fromJSON(raw);
}, 600_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const resourcesOf = (type: string): Array<[string, any]> => Object.entries<any>(raw.Resources).filter(([, r]) => r.Type === type);
const CONCERNS = Object.keys(ROUTES) as FunctionConcern[];

describe('the synthesized template', () => {
  it('has one nodejs22.x arm64 ESM function per concern plus maintenance, the dispatcher, the subscription resource and the wake sockets\' $connect and notifier', () => {
    const functions = resourcesOf('AWS::Lambda::Function').map(([, r]) => r.Properties);
    expect(functions.map((f) => f.Description).sort()).toEqual(
      ['admin', 'dispatcher', 'fetch', 'groups', 'maintenance', 'produce', 'subscription-resource', 'wake-connect', 'wake-notifier'].map((n) => `Runnel ${n}`),
    );
    for (const f of functions) expect(f).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it('authorizes every route with IAM, and routes exactly the construct route table (and $connect on the wake sockets\' API)', () => {
    const routes = resourcesOf('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route.AuthorizationType, route.RouteKey).toBe('AWS_IAM');
    const expected = Object.values(ROUTES).flat().map((r) => `${r.method} ${r.path}`);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...expected, '$connect'].sort());
  });

  it("routes every path and method of lib/http's OpenAPI document", () => {
    const routed = new Set(Object.values(ROUTES).flat().map((r) => `${r.method} ${r.path}`));
    const verbs = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
    const paths = (openApiDocument() as { paths: Record<string, object> }).paths;
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((key) => verbs.has(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((d) => !routed.has(d))).toEqual([]);
  });

  it('throttles the stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('encrypts the bucket, blocks public access and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('keys the on-demand, point-in-time-recoverable tables as lib/storage/schema says', () => {
    const tables = resourcesOf('AWS::DynamoDB::GlobalTable').map(([, r]) => r.Properties);
    const keySchemas = tables.map((t) => t.KeySchema.map((k: any) => k.AttributeName));
    for (const keys of [TOPICS_TABLE_KEYS, LOG_TABLE_KEYS, GROUPS_TABLE_KEYS]) {
      const names = [keys.partitionKey.name, ...('sortKey' in keys ? [keys.sortKey.name] : [])];
      expect(keySchemas).toContainEqual(names);
    }
    for (const t of tables) {
      expect(t.BillingMode).toBe('PAY_PER_REQUEST');
      for (const replica of t.Replicas) expect(replica).toMatchObject({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true });
    }
  });

  it('retains the bucket, tables and logs by default', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::GlobalTable', 'AWS::Logs::LogGroup']) {
      const resources = resourcesOf(type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const [id, r] of resources) expect(r.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('puts no wildcard action in any policy', () => {
    const actions = resourcesOf('AWS::IAM::Policy').flatMap(([, r]) => r.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
  });

  it('gives each function exactly the storage calls its code paths make', () => {
    const actionsOf = (fn: string) => {
      const role = resourcesOf('AWS::IAM::Role').find(([id]) => id.startsWith(`Runnel${fn}Role`))![0];
      const policy = resourcesOf('AWS::IAM::Policy').find(([, r]) => r.Properties.Roles.some((x: any) => x.Ref === role))![1];
      return [...new Set<string>(policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))].sort();
    };
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    // BatchGetItem: an idempotent request's sequence check across partitions; Query: the chunks that tell
    // whether an append whose answer was lost committed.
    expect(actionsOf('Produce')).toEqual(
      [...logs, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 's3:DeleteObject', 's3:PutObject'].sort(),
    );
    // The dispatcher reads and delivers, commits with conditional writes, and produces dead letters; it
    // scans nothing, and may invoke no function until one is subscribed. The stream actions are the event
    // source mapping's, which reads the stream with the function's role.
    const streamReads = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
    expect(actionsOf('Dispatcher')).toEqual(
      [...logs, ...streamReads, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'].sort(),
    );
    // The wake notifier, on its own mapping of the same stream, finds a topic's registrations (Query),
    // posts to their sockets (ManageConnections), deletes each woken one (DeleteItem) and clears a mark
    // nobody holds any more (UpdateItem): nothing else, and no segment.
    expect(actionsOf('WakeNotifier')).toEqual(
      [...logs, ...streamReads, 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'execute-api:ManageConnections'].sort(),
    );
    // $connect reads the topic, writes the registration and marks the heads: nothing else.
    expect(actionsOf('WakeConnect')).toEqual([...logs, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort());
    expect(actionsOf('Fetch')).toEqual([...logs, 'dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject'].sort());
    // Describing a subscription reads one segment for the age of its oldest undelivered record; admin writes no object.
    expect(actionsOf('Admin').filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
    // Compaction and merging write rewritten segments (PutObject) and swap chunks (PutItem); resuming
    // subscriptions reads head bounds in batches (BatchGetItem) and lists subscriptions (Scan).
    expect(actionsOf('Maintenance')).toEqual(
      [
        ...logs,
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
      ].sort(),
    );
  });

  it('alarms on errors, throttles and latency, and has a dashboard', () => {
    const alarms = resourcesOf('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties.MetricName ?? 'math');
    for (const metric of ['5xx', 'Errors', 'Throttles', 'Duration', 'math']) expect(alarms).toContain(metric);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('outputs the API URL, the bucket and the tables', () => {
    expect(Object.keys(raw.Outputs).sort()).toEqual(['ApiUrl', 'BucketName', 'GroupsTableName', 'LogTableName', 'TopicsTableName', 'WakeSocketUrl']);
  });
});

describe('cdk-nag AwsSolutions', () => {
  const report = () => {
    const all = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    return all.pluginReports.find((p: any) => p.pluginName === 'AwsSolutions');
  };

  it('ran on the synth and left no unacknowledged finding', () => {
    expect(report()).toBeDefined();
    expect(report().violations).toEqual([]);
    expect(report().conclusion).toBe('success');
  });

  it('acknowledges only the expected rules, each with a written reason', () => {
    const suppressed = report().suppressedViolations as Array<{ ruleName: string; reason: string }>;
    expect([...new Set(suppressed.map((s) => s.ruleName.replace(/\[.*$/, '')))].sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1']);
    for (const s of suppressed) expect(s.reason.length, s.ruleName).toBeGreaterThan(40);
  });
});

describe('the synthesized bundles', () => {
  it('are ESM files under 1 MB each', () => {
    const bundles = bundlesIn(outdir);
    expect(bundles.map((b) => b.name)).toEqual(['admin', 'dispatcher', 'fetch', 'groups', 'maintenance', 'produce', 'subscription-resource', 'wake-connect', 'wake-notifier']);
    for (const b of bundles) expect(b.bytes, b.name).toBeLessThan(1_000_000);
  });

  describe.each(BACKENDS)('on %s', (backend) => {
    const hosts: BundleHost[] = [];
    afterAll(() => Promise.all(hosts.map((h) => h.close())));

    it('pass the black-box API checks, every route reaches its handler, and maintenance purges', async () => {
      const stack = await createTestStack(backend);
      // Each bundle runs in its own worker with the environment the construct gives its function.
      const loaded = await Promise.all(bundlesIn(outdir).map(async (b) => [b.name, await hostBundle(b.file, b.name, lambdaEnvironment(stack.config, b.name))] as const));
      hosts.push(...loaded.map(([, h]) => h));
      const host = Object.fromEntries(loaded);
      const handlers = Object.fromEntries(
        CONCERNS.map((c) => [c, async (event: unknown) => (await host[c]!.invoke(event)).result]),
      ) as Parameters<typeof apiGatewayFetch>[0];
      const api = new RunnelApi(new HttpClient({ url: 'https://api.runnel.test', fetch: apiGatewayFetch(handlers), retry: { retries: 0 } }));

      const results = await runChecks(api);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(API_CHECKS.length);

      // A route the construct sends to the wrong function would get Hono's "no route" 404 there.
      for (const route of Object.values(ROUTES).flat()) {
        const path = route.path.replace(/\{partition\}/g, '0').replace(/\{[^}]+\}/g, 'x');
        const res = await apiGatewayFetch(handlers)(`https://api.runnel.test${path}`, { method: route.method, ...(route.method === 'GET' ? {} : { body: '{}' }) });
        const body = res.status === 204 ? undefined : ((await res.json()) as { error?: { code?: string } });
        expect(body?.error?.code, `${route.method} ${route.path}`).not.toBe('not_found');
        expect(res.status, `${route.method} ${route.path}`).toBeLessThan(500);
      }

      // The checks deleted their topic; the scheduled job purges its data.
      const purged = await host.maintenance!.invoke({ sweepOrphans: true });
      expect(purged.result).toMatchObject({ purgedTopics: 1 });
    });
  });
});
