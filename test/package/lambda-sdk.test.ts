import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4MultiRegion } from '@aws-sdk/signature-v4-multi-region';
import { NormalizedSchema } from '@smithy/core/schema';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_SDK_OPTIONS, ROOT } from '../../bin/build.js';
import { API_THROWN_ERRORS, apiS3Requests, MAINTENANCE_S3_COMMANDS } from '../../cdk/bundling/api-s3-requests.js';
import { NATIVE_CHECKSUMS } from '../../cdk/bundling/node-native-checksums.js';
import { registerOnly, THROWN_ERRORS } from '../../cdk/bundling/sdk-thrown-errors.js';

/**
 * The premises of the SDK stand-ins in the Lambda bundles (cdk/bundling, `LAMBDA_SDK_OPTIONS`): that no
 * operation Runnel sends needs what they leave out, and that a client built as the bundles build it
 * still takes its settings from the environment, and only from there.
 */

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? sources(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));

/** Every SDK command that lib/ imports, by client package. */
function commandsImported(): Map<string, Set<string>> {
  const byClient = new Map<string, Set<string>>();
  for (const file of sources(join(ROOT, 'lib'))) {
    for (const [, names, pkg] of readFileSync(file, 'utf8').matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
      for (const name of names!.split(',').map((n) => n.trim())) {
        if (/^\w+Command$/.test(name)) (byClient.get(pkg!) ?? byClient.set(pkg!, new Set()).get(pkg!)!).add(name);
      }
    }
  }
  return byClient;
}

describe('the Lambda bundles’ AWS SDK', () => {
  it('sends no operation with an event stream, which cdk/bundling/no-event-streams.ts leaves out', async () => {
    const commands = commandsImported();
    expect([...commands.keys()].sort()).toEqual(['@aws-sdk/client-apigatewaymanagementapi', '@aws-sdk/client-dynamodb', '@aws-sdk/client-lambda', '@aws-sdk/client-s3']);
    const withEventStreams: string[] = [];
    for (const [pkg, names] of commands) {
      const client = (await import(pkg)) as Record<string, new (input: object) => { schema: unknown[] }>;
      for (const name of names) {
        const [, , , , input, output] = new client[name]!({}).schema;
        if (NormalizedSchema.of(input as never).getEventStreamMember() || NormalizedSchema.of(output as never).getEventStreamMember()) withEventStreams.push(name);
      }
    }
    expect(withEventStreams).toEqual([]);
  });

  for (const [bundles, lists, leftOut] of [
    ['every bundle', THROWN_ERRORS, []],
    ['the API functions’ bundles (cdk/bundling/api-s3-requests.ts)', API_THROWN_ERRORS, MAINTENANCE_S3_COMMANDS],
  ] as const) {
    it(`registers, in ${bundles}, every error that a command lib/ sends there can answer (its documented @throws), where cdk/bundling/sdk-thrown-errors.ts keeps a list`, () => {
      const require = createRequire(import.meta.url);
      const commands = commandsImported();
      expect(Object.keys(lists).every((pkg) => commands.has(pkg))).toBe(true);
      for (const [pkg, kept] of Object.entries(lists)) {
        const dir = join(require.resolve(`${pkg}/package.json`), '..');
        const thrown = new Set<string>();
        for (const command of [...commands.get(pkg)!].filter((c) => !(leftOut as readonly string[]).includes(c))) {
          const doc = readFileSync(join(dir, 'dist-types/commands', `${command}.d.ts`), 'utf8');
          for (const [, error] of doc.matchAll(/@throws \{@link (\w+)\}/g)) if (!error!.endsWith('ServiceException')) thrown.add(error!);
        }
        expect(thrown.size).toBeGreaterThan(0);
        expect([...thrown].filter((e) => !kept.includes(e))).toEqual([]);
        // Each name kept is one the client registers, and the transform keeps those and the base exception only.
        const schemas = readFileSync(join(dir, 'dist-es/schemas/schemas_0.js'), 'utf8');
        const registered = (source: string) => [...source.matchAll(/^\w+_registry\.registerError\((\w+)\$/gm)].map((m) => m[1]!).sort();
        expect(kept.filter((e) => !registered(schemas).includes(e))).toEqual([]);
        expect(registered(registerOnly(schemas, kept))).toEqual([...kept, registered(schemas).find((e) => e.endsWith('ServiceException'))!].sort());
      }
    });
  }

  it('sends an S3 request with an XML body only in the commands cdk/bundling/api-s3-requests.ts leaves to maintenance', async () => {
    const s3 = (await import('@aws-sdk/client-s3')) as unknown as Record<string, new (input: object) => { schema: unknown[] }>;
    // A member bound to no header, query or path label goes in the body, serialized as XML unless it is the streamed payload.
    const withXmlBody = [...commandsImported().get('@aws-sdk/client-s3')!].filter((name) => {
      const [, , , , input] = new s3[name]!({}).schema;
      return [...NormalizedSchema.of(input as never).structIterator()].some(([, member]) => {
        const traits = member.getMergedTraits();
        const bound = traits.httpHeader !== undefined || traits.httpQuery !== undefined || traits.httpLabel || traits.httpPrefixHeaders !== undefined || traits.httpQueryParams;
        return !bound && !(traits.httpPayload && member.isStreaming());
      });
    });
    expect(withXmlBody.sort()).toEqual(['CreateBucketCommand', 'DeleteObjectsCommand']);
    expect(withXmlBody.every((c) => (MAINTENANCE_S3_COMMANDS as readonly string[]).includes(c))).toBe(true);
  });

  it('has natively every checksum whose JavaScript fallback cdk/bundling/node-native-checksums.ts leaves out', () => {
    for (const hash of NATIVE_CHECKSUMS.hashes) expect(createHash(hash).update('runnel').digest('hex')).toMatch(/^[0-9a-f]+$/);
    for (const fn of NATIVE_CHECKSUMS.zlib) expect(typeof (zlib as unknown as Record<string, unknown>)[fn]).toBe('function');
  });

  it('builds no DynamoDB endpoint cache, which no command reads (cdk/bundling/no-endpoint-cache.ts): no client lib/ imports adds the endpoint discovery middleware', () => {
    const require = createRequire(import.meta.url);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.js') ? [join(dir, f)] : []));
    for (const pkg of commandsImported().keys()) {
      const readers = files(join(require.resolve(`${pkg}/package.json`), '../dist-es')).filter((f) => /endpointCache|getEndpointDiscovery|endpointDiscoveryMiddleware/.test(readFileSync(f, 'utf8')));
      expect(readers).toEqual([]);
    }
  });

  describe('built as the bundles build it', () => {
    const work = mkdtempSync(join(tmpdir(), 'runnel-lambda-sdk-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** `source` bundled as the Lambda bundles take the SDK, run in a child process with only `env`: what it prints, as JSON. */
    async function runBuilt(name: string, source: string, env: Record<string, string>, plugins: Plugin[] = []): Promise<Record<string, any>> {
      const entry = join(work, `${name}.ts`);
      writeFileSync(entry, source);
      const outfile = join(work, `${name}.mjs`);
      await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', mainFields: ['module', 'main'], nodePaths: [join(ROOT, 'node_modules')], logLevel: 'silent', ...LAMBDA_SDK_OPTIONS,
        plugins: [...plugins, ...LAMBDA_SDK_OPTIONS.plugins], banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" } });
      const { stdout } = await promisify(execFile)(process.execPath, [outfile], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });
      return JSON.parse(stdout) as Record<string, any>;
    }

    /** The S3 client's resolved settings, from a bundle run with `env`. */
    const resolvedConfig = (env: Record<string, string>) =>
      runBuilt(
        'config',
        `import { S3Client } from '@aws-sdk/client-s3';
const c = new S3Client({});
import { Crc32 } from '@smithy/core/checksum';
let refusal = '';
try { c.config.eventStreamMarshaller.serialize(); } catch (e) { refusal = e.message; }
const retry = await c.config.retryStrategy().then((s) => s.mode, (e) => e.message);
const s3ExpressRefusal = await c.config.s3ExpressIdentityProvider.getS3ExpressIdentity({}, { Bucket: 'b--use1-az4--x-s3' }).then(() => '', (e) => e.message);
import { CreateSessionCommand } from '@aws-sdk/client-s3';
let regionRedirectRefusal = '';
try { new S3Client({ followRegionRedirects: true }); } catch (e) { regionRedirectRefusal = e.message; }
let createSessionRefusal = '';
try { new CreateSessionCommand({ Bucket: 'b--use1-az4--x-s3' }); } catch (e) { createSessionRefusal = e.message; }
const hex = async (Hash) => { const h = new Hash(); h.update(new TextEncoder().encode('runnel')); return Buffer.from(await h.digest()).toString('hex'); };
const digests = { sha256: await hex(c.config.sha256), md5: await hex(c.config.md5), sha1: await hex(c.config.sha1), crc32: await hex(Crc32) };
import { sdkStreamMixin } from '@smithy/core/serde';
let webStream = 'accepted';
try { sdkStreamMixin(new ReadableStream()); } catch (e) { webStream = e.message; }
console.log(JSON.stringify({ region: await c.config.region(), maxAttempts: await c.config.maxAttempts(), useFipsEndpoint: await c.config.useFipsEndpoint(), refusal, s3ExpressRefusal, createSessionRefusal, followsRedirects: c.config.followRegionRedirects, regionRedirectRefusal, retry, digests, webStream }));`,
        env,
      );

    it('takes the region and settings from the environment, and reads no shared config file', async () => {
      const home = join(work, 'home');
      mkdirSync(join(home, '.aws'), { recursive: true });
      writeFileSync(join(home, '.aws/config'), '[default]\nregion = ap-south-2\nmax_attempts = 9\nuse_fips_endpoint = true\n');
      expect(await resolvedConfig({ HOME: home, AWS_REGION: 'eu-west-3', AWS_MAX_ATTEMPTS: '5' })).toMatchObject({ region: 'eu-west-3', maxAttempts: 5, useFipsEndpoint: false });
    });

    it('hashes with Node’s native MD5, SHA-1, SHA-256 and CRC32', async () => {
      const { digests } = await resolvedConfig({ AWS_REGION: 'eu-west-3' });
      const data = Buffer.from('runnel');
      const crc32 = Buffer.alloc(4);
      crc32.writeUInt32BE((zlib as unknown as { crc32: (d: Buffer) => number }).crc32(data));
      expect(digests).toEqual({
        sha256: createHash('sha256').update(data).digest('hex'),
        md5: createHash('md5').update(data).digest('hex'),
        sha1: createHash('sha1').update(data).digest('hex'),
        crc32: crc32.toString('hex'),
      });
    });

    it('on AWS’s default checksum settings (WHEN_SUPPORTED), sends PutObject’s CRC32 and validates GetObject’s', async () => {
      // A stand-in for S3 that records each request and answers GetObject with the CRC32 the SDK must check:
      // the emulators get WHEN_REQUIRED (lib/storage/clients.ts), so only this sees the path AWS takes.
      const body = Buffer.from('a segment of runnel records');
      const crc32 = (data: Buffer) => {
        const out = Buffer.alloc(4);
        out.writeUInt32BE((zlib as unknown as { crc32: (d: Buffer) => number }).crc32(data));
        return out.toString('base64');
      };
      const requests: Array<{ method: string; url: string; headers: Record<string, unknown>; body: Buffer }> = [];
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
          requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
          if (req.method === 'PUT') return res.writeHead(200, { etag: '"e"' }).end();
          const checksum = new URL(req.url!, 'http://s3').pathname === '/b/corrupt' ? crc32(Buffer.from('other bytes')) : crc32(body);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-amz-checksum-crc32': checksum, 'x-amz-checksum-type': 'FULL_OBJECT' }).end(body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        // As Lambda's environment gives them: the role's keys and the region, and no checksum setting.
        const env = { PATH: process.env.PATH!, AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token', S3_STAND_IN: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
        const { good, corrupt } = (await runBuilt('checksums', `import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: process.env.S3_STAND_IN, forcePathStyle: true });
await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: new TextEncoder().encode(${JSON.stringify(body.toString())}) }));
const read = async (key) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'b', Key: key }))).Body.transformToByteArray()).toString();
const good = await read('k');
const corrupt = await read('corrupt').then(() => '', (e) => e.message);
console.log(JSON.stringify({ good, corrupt }));`, env)) as { good: string; corrupt: string };
        const put = requests.find((r) => r.method === 'PUT')!;
        expect(put.body).toEqual(body);
        expect(put.headers['x-amz-checksum-crc32']).toBe(crc32(body));
        // Signed with the role's keys from the environment, for the environment's region.
        expect(put.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/s3\/aws4_request/);
        expect(put.headers['x-amz-security-token']).toBe('token');
        const gets = requests.filter((r) => r.method === 'GET');
        expect(gets.map((g) => g.headers['x-amz-checksum-mode'])).toEqual(['ENABLED', 'ENABLED']);
        expect(good).toBe(body.toString());
        expect(corrupt).toMatch(/Checksum mismatch/);
      } finally {
        server.close();
      }
    });

    it('answers an error our commands can get as its own class, and any other as the client’s base exception under its name (cdk/bundling/sdk-thrown-errors.ts)', async () => {
      // A stand-in for DynamoDB and S3 that answers every request with the error it names: DynamoDB's in
      // the table name, S3's in the key.
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
          if (req.headers['x-amz-target']) {
            const { TableName } = JSON.parse(Buffer.concat(chunks).toString()) as { TableName: string };
            return res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${TableName}`, message: 'refused' }));
          }
          const code = new URL(req.url!, 'http://s3').pathname.split('/').pop()!;
          res.writeHead(code === 'AccessDenied' ? 403 : 404, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>refused</Message></Error>`);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const seen = await runBuilt(
          'errors',
          `import { DynamoDBClient, GetItemCommand, ConditionalCheckFailedException, ThrottlingException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { S3Client, GetObjectCommand, NoSuchKey, AccessDenied, S3ServiceException } from '@aws-sdk/client-s3';
const endpoint = process.env.STAND_IN;
const dynamo = new DynamoDBClient({ endpoint, maxAttempts: 1 });
const s3 = new S3Client({ endpoint, forcePathStyle: true, maxAttempts: 1 });
const classes = { ConditionalCheckFailedException, ThrottlingException, DynamoDBServiceException, NoSuchKey, AccessDenied, S3ServiceException };
const seen = (e) => ({ name: e.name, message: e.message, fault: e.$fault, status: e.$metadata.httpStatusCode, own: Object.keys(classes).find((c) => Object.getPrototypeOf(e) === classes[c].prototype) ?? null, base: e instanceof DynamoDBServiceException || e instanceof S3ServiceException });
const fromDynamo = (error) => dynamo.send(new GetItemCommand({ TableName: error, Key: { k: { S: 'k' } } })).then(() => null, seen);
const fromS3 = (error) => s3.send(new GetObjectCommand({ Bucket: 'b', Key: error })).then(() => null, seen);
console.log(JSON.stringify({
  ConditionalCheckFailedException: await fromDynamo('ConditionalCheckFailedException'),
  ThrottlingException: await fromDynamo('ThrottlingException'),
  TransactionCanceledException: await fromDynamo('TransactionCanceledException'),
  NoSuchKey: await fromS3('NoSuchKey'),
  AccessDenied: await fromS3('AccessDenied'),
  NoSuchUpload: await fromS3('NoSuchUpload'),
}));`,
          { AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', STAND_IN: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
        );
        // `own`: the class it is an instance of, and not of a subclass.
        const as = (name: string, status: number, own: string) => ({ name, message: 'refused', fault: 'client', status, own, base: true });
        expect(seen).toEqual({
          ConditionalCheckFailedException: as('ConditionalCheckFailedException', 400, 'ConditionalCheckFailedException'),
          ThrottlingException: as('ThrottlingException', 400, 'ThrottlingException'),
          // Only a transaction, which Runnel never sends, answers this one.
          TransactionCanceledException: as('TransactionCanceledException', 400, 'DynamoDBServiceException'),
          NoSuchKey: as('NoSuchKey', 404, 'NoSuchKey'),
          AccessDenied: as('AccessDenied', 403, 'AccessDenied'),
          NoSuchUpload: as('NoSuchUpload', 404, 'S3ServiceException'),
        });
      } finally {
        server.close();
      }
    });

    it('takes no web stream, which cdk/bundling/node-streams.ts leaves out (PutObject and a checksum-validated GetObject pass through the Node ones above)', async () => {
      expect((await resolvedConfig({ AWS_REGION: 'eu-west-3' })).webStream).toMatch(/expect Stream\.Readable instance/);
    });

    it('signs S3 requests with SigV4 as the SDK’s multi-region signer does, carries no SigV4a, and refuses a Multi-Region Access Point’s `*` region, saying why (cdk/bundling/sigv4-only.ts)', async () => {
      // As the S3 client builds its signer, with its SHA-256.
      const options = { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' }, region: 'eu-west-3', service: 's3', uriEscapePath: false, applyChecksum: false };
      const request = { method: 'PUT', protocol: 'https:', hostname: 'b.s3.eu-west-3.amazonaws.com', path: '/a/k', query: { x: 'y' }, headers: { host: 'b.s3.eu-west-3.amazonaws.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'segment' };
      const signingDate = '2026-11-24T12:00:00Z';
      const built = await runBuilt(
        'signer',
        `import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4MultiRegion, signatureV4CrtContainer } from '@aws-sdk/signature-v4-multi-region';
import { signatureV4aContainer } from '@smithy/signature-v4';
const signer = new SignatureV4MultiRegion({ ...${JSON.stringify(options)}, sha256: new S3Client({ region: 'eu-west-3' }).config.sha256 });
const signed = await signer.sign(${JSON.stringify(request)}, { signingDate: new Date(${JSON.stringify(signingDate)}) });
const star = await signer.sign(${JSON.stringify(request)}, { signingRegion: '*' }).then(() => '', (e) => e.message);
console.log(JSON.stringify({ authorization: signed.headers.authorization, sigv4a: [signatureV4CrtContainer.CrtSignerV4, signatureV4aContainer.SignatureV4a, SignatureV4MultiRegion.sigv4aDependency()], star }));`,
        { AWS_REGION: 'eu-west-3' },
      );
      const theirs = await new SignatureV4MultiRegion({ ...options, sha256: new S3Client({ region: 'eu-west-3' }).config.sha256 }).sign(structuredClone(request) as never, { signingDate: new Date(signingDate) });
      expect(built.authorization).toBe(theirs.headers.authorization);
      expect(built.sigv4a).toEqual([null, null, 'none']);
      expect(built.star).toMatch(/sign with SigV4 only/);
    });

    it('built as the API functions are, sends PutObject, GetObject and DeleteObject as the SDK does, and refuses DeleteObjects and ListObjects, saying why (cdk/bundling/api-s3-requests.ts)', async () => {
      const requests: string[] = [];
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
          requests.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
          if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 7 }).end('segment');
          res.writeHead(req.method === 'DELETE' ? 204 : 200, { etag: '"e"' }).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const source = `import { S3Client, PutObjectCommand, GetObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, ListObjectsCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: process.env.STAND_IN, forcePathStyle: true, maxAttempts: 1 });
await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: new TextEncoder().encode('segment') }));
const read = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).Body.transformToByteArray()).toString();
await s3.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'k' }));
const refused = (f) => { try { f(); return ''; } catch (e) { return e.message; } };
console.log(JSON.stringify({ read, deleteObjects: refused(() => new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'k' }] } })), listObjects: refused(() => new ListObjectsCommand({ Bucket: 'b' })) }));`;
        const env = { AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', STAND_IN: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
        const sent = await runBuilt('api-s3', source, env, apiS3Requests);
        const apiRequests = requests.splice(0);
        // The same requests, byte for byte, as from the bundle with the SDK's XML serializer and commands.
        const whole = await runBuilt('api-s3-whole', source, env);
        expect(apiRequests.map((r) => r.replace(/ .*? /, ' '))).toEqual(['PUT segment', 'GET ', 'DELETE ']);
        expect(apiRequests).toEqual(requests);
        expect(whole).toEqual({ read: 'segment', deleteObjects: '', listObjects: '' });
        expect(sent).toEqual({ read: 'segment', deleteObjects: expect.stringMatching(/API functions send no DeleteObjects/), listObjects: expect.stringMatching(/API functions send no ListObjects/) });
      } finally {
        server.close();
      }
    });

    it('resolves DynamoDB’s endpoint discovery settings as the SDK does, without the endpoint cache (cdk/bundling/no-endpoint-cache.ts)', async () => {
      const settings = (clientOption: string) =>
        runBuilt(
          'discovery',
          `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const d = new DynamoDBClient(${clientOption});
console.log(JSON.stringify({ enabled: (await d.config.endpointDiscoveryEnabled()) ?? null, byClient: d.config.isClientEndpointDiscoveryEnabled, cache: 'endpointCache' in d.config }));`,
          { AWS_REGION: 'eu-west-3', AWS_ENABLE_ENDPOINT_DISCOVERY: 'true' },
        );
      expect(await settings('{}')).toEqual({ enabled: true, byClient: false, cache: false });
      expect(await settings('{ endpointDiscoveryEnabled: false }')).toEqual({ enabled: false, byClient: true, cache: false });
    });

    it('follows no S3 region redirect, as Runnel’s clients are built, and refuses a client that asks to, saying why (cdk/bundling/no-region-redirects.ts)', async () => {
      const { followsRedirects, regionRedirectRefusal } = await resolvedConfig({ AWS_REGION: 'eu-west-3' });
      expect(followsRedirects).toBe(false);
      expect(regionRedirectRefusal).toMatch(/follow no S3 region redirects/);
      // The option has no environment variable: only a client's own settings turn it on, and lib/ sets it nowhere.
      expect(sources(join(ROOT, 'lib')).filter((f) => readFileSync(f, 'utf8').includes('followRegionRedirects'))).toEqual([]);
    });

    it('refuses an event stream, saying why', async () => {
      const { refusal } = await resolvedConfig({ AWS_REGION: 'eu-west-3' });
      expect(refusal).toMatch(/leave out the AWS SDK's event streams/);
    });

    it('retries in standard mode, and refuses adaptive mode, saying why', async () => {
      expect((await resolvedConfig({ AWS_REGION: 'eu-west-3' })).retry).toBe('standard');
      expect((await resolvedConfig({ AWS_REGION: 'eu-west-3', AWS_RETRY_MODE: 'adaptive' })).retry).toMatch(/retry in the SDK's standard mode/);
    });

    it('refuses an S3 Express One Zone session, saying why (the construct’s bucket is a general purpose one)', async () => {
      const { s3ExpressRefusal, createSessionRefusal } = await resolvedConfig({ AWS_REGION: 'eu-west-3' });
      expect(s3ExpressRefusal).toMatch(/leave out S3 Express One Zone sessions/);
      // Its command too, which only the session provider sends: Runnel imports it nowhere.
      expect(createSessionRefusal).toMatch(/leave out S3 Express One Zone sessions/);
      expect(commandsImported().get('@aws-sdk/client-s3')).not.toContain('CreateSessionCommand');
    });
  });
});
