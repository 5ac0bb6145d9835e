import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { routeFor, type FunctionConcern } from '../../cdk/routes.js';
import type { RunnelFunction } from '../../cdk/runnel.js';
import type { RunnelConfig } from '../../lib/config.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One function's bundle as the cloud assembly holds it: what `cdk deploy` would upload. */
export interface LambdaBundle {
  name: RunnelFunction;
  /** The bundled entry point (ESM). */
  file: string;
  bytes: number;
}

/**
 * Runs the pinned CDK CLI's `synth` the way a fresh machine would: no AWS credentials, no instance
 * metadata, and every proxy pointed at a closed port so that any network call fails at once.
 */
export function synthWithCli(outdir: string, context: Record<string, string> = {}, project: { cwd?: string; app?: string } = {}): { ms: number } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(AWS_|CDK_DEFAULT_)/.test(key)) delete env[key];
  Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  });
  // Without --app the CLI runs cdk.json's app; another project's app is named with it.
  const args = ['synth', '--quiet', '--output', outdir, ...(project.app ? ['--app', project.app] : []), ...Object.entries(context).flatMap(([k, v]) => ['--context', `${k}=${v}`])];
  const started = performance.now();
  const res = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/cdk'), args, { cwd: project.cwd ?? PROJECT_ROOT, env, encoding: 'utf8', timeout: 600_000 });
  if (res.status !== 0) throw new Error(`cdk synth failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  return { ms: performance.now() - started };
}

export function readTemplate(outdir: string, stack = 'Runnel'): any {
  return JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
}

/** Each Runnel function's bundle in a synthesized assembly, found through its template's asset key. */
export function bundlesIn(outdir: string, stack = 'Runnel'): LambdaBundle[] {
  const bundles: LambdaBundle[] = [];
  for (const resource of Object.values<any>(readTemplate(outdir, stack).Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = /^Runnel ([\w-]+)$/.exec(resource.Properties.Description ?? '')?.[1] as RunnelFunction | undefined;
    if (!name) continue;
    const hash = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
    const file = join(outdir, `asset.${hash}`, 'index.mjs');
    bundles.push({ name, file, bytes: statSync(file).size });
  }
  return bundles.sort((a, b) => a.name.localeCompare(b.name));
}

/** A wake stage's callback URL, as the construct gives the wake notifier (nothing answers at it). */
export const STAND_IN_WAKE_CALLBACK_URL = 'https://ws123.execute-api.us-east-1.amazonaws.com/wake';

/**
 * The environment the construct gives every function, for a deployment on `config`'s storage; with a
 * function's name, that function's own too (the wake notifier's callback URL, without which it does not load).
 */
export function lambdaEnvironment(config: RunnelConfig, name?: RunnelFunction): Record<string, string> {
  return {
    ...(name === 'wake-notifier' ? { RUNNEL_WAKE_CALLBACK_URL: STAND_IN_WAKE_CALLBACK_URL } : {}),
    AWS_REGION: config.region,
    RUNNEL_BUCKET: config.bucket,
    RUNNEL_TOPICS_TABLE: config.topicsTable,
    RUNNEL_LOG_TABLE: config.logTable,
    RUNNEL_GROUPS_TABLE: config.groupsTable,
    ...(config.s3Endpoint ? { RUNNEL_S3_ENDPOINT: config.s3Endpoint } : {}),
    ...(config.dynamoDbEndpoint ? { RUNNEL_DYNAMODB_ENDPOINT: config.dynamoDbEndpoint } : {}),
    // The Lambda runtime hands the SDK its role's keys through these; the emulators take any static pair.
    AWS_ACCESS_KEY_ID: config.credentials?.accessKeyId ?? 'S3RVER',
    AWS_SECRET_ACCESS_KEY: config.credentials?.secretAccessKey ?? 'S3RVER',
  };
}

/** The HTTP API's payload 2.0 event for one request, as API Gateway builds it after matching `routeKey`. */
/** `body` as bytes is sent as API Gateway sends a binary body (a CBOR one, say): base64, with `isBase64Encoded`. */
export function apiGatewayEvent(req: { method: string; url: URL; headers: Record<string, string>; body?: string | Uint8Array | undefined; routeKey: string; pathParameters?: Record<string, string> | undefined }): APIGatewayProxyEventV2 {
  const binary = req.body instanceof Uint8Array;
  const now = new Date();
  const query: Record<string, string> = {};
  for (const [k, v] of req.url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  return {
    version: '2.0',
    routeKey: req.routeKey,
    rawPath: req.url.pathname,
    rawQueryString: req.url.search.replace(/^\?/, ''),
    headers: { ...Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])), host: req.url.host },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(req.pathParameters ? { pathParameters: req.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: req.url.host,
      domainPrefix: req.url.hostname.split('.')[0]!,
      http: { method: req.method, path: req.url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: req.headers['user-agent'] ?? 'runnel-test' },
      requestId: randomUUID(),
      routeKey: req.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body !== undefined ? { body: binary ? Buffer.from(req.body as Uint8Array).toString('base64') : (req.body as string) } : {}),
    isBase64Encoded: binary,
  };
}

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A `fetch` that does what the deployed HTTP API does: match the request to the construct's route table,
 * turn it into a payload 2.0 event, invoke that concern's bundled handler, and turn its result into a
 * Response. Unrouted requests get API Gateway's own 404.
 */
export function apiGatewayFetch(handlers: Record<FunctionConcern, ApiHandler>): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const match = routeFor(method, url.pathname);
    if (!match) return Response.json({ message: 'Not Found' }, { status: 404 });
    const names = [...match.route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const values = new RegExp('^' + match.route.path.replace(/\{[^}]+\}/g, '([^/]+)') + '$').exec(url.pathname)!.slice(1);
    const event = apiGatewayEvent({
      method,
      url,
      headers: Object.fromEntries(new Headers(init.headers)),
      body: typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : undefined,
      routeKey: `${method} ${match.route.path}`,
      pathParameters: names.length ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i]!)])) : undefined,
    });
    const result = await handlers[match.concern](event);
    const status = result.statusCode ?? 200;
    const body = result.body === undefined || result.body === '' || status === 204 ? null : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    return new Response(body, { status, headers: result.headers as Record<string, string> | undefined });
  };
}
