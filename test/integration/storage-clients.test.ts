import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../lib/local/emulators.js';
import { AmbiguousUpdateItemCommand, AmbiguousWriteError } from '../../lib/log/ambiguous-write.js';
import { createStorageClients } from '../../lib/storage/clients.js';
import { leanStorageClient } from '../../lib/storage/dynamo-client.js';
import { reuseSigner } from '../../lib/storage/reuse-signer.js';
import { HEAD_SORT_KEY } from '../../lib/storage/schema.js';
import { injectFault } from '../support/faults.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

/** A TCP relay in front of an emulator that counts the connections made through it. */
async function countingRelay(endpoint: string): Promise<{ endpoint: string; connections: () => number; close(): Promise<void> }> {
  const target = new URL(endpoint);
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.unref();
      }),
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

// What the CPU per batch relies on (BENCHMARKS.md, "CPU per committed batch"): a new connection per call
// would cost a TCP (on AWS, TLS) handshake each time, and a signer built per call a copy of the client config.
describe.each(BACKENDS)('the storage clients (%s)', (backend) => {
  it('keep one connection per client across sequential calls', async () => {
    const { config } = await createTestStack(backend);
    const s3Relay = await countingRelay(config.s3Endpoint!);
    const dynamoRelay = await countingRelay(config.dynamoDbEndpoint!);
    closers.push(s3Relay.close, dynamoRelay.close);
    const clients = createStorageClients({ ...config, s3Endpoint: s3Relay.endpoint, dynamoDbEndpoint: dynamoRelay.endpoint });
    closers.push(async () => {
      clients.s3.destroy();
      clients.dynamo.destroy();
    });
    for (let i = 0; i < 10; i++) {
      await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: `keep-alive/${i}`, Body: new Uint8Array(100 * 1024) }));
      await clients.dynamo.send(new GetItemCommand({ TableName: config.logTable, Key: { p: { S: `keep-alive#${i}` }, b: { N: String(HEAD_SORT_KEY) } } }));
    }
    expect({ s3: s3Relay.connections(), dynamo: dynamoRelay.connections() }).toEqual({ s3: 1, dynamo: 1 });
  });

  it('build one signer per auth scheme, not one per request', async () => {
    const { config } = await createTestStack(backend);
    const clients = createStorageClients(config);
    const scheme = { name: 'sigv4', signingName: 's3', signingRegion: 'us-east-1', properties: {} };
    const first = await clients.s3.config.signer(scheme);
    expect(await clients.s3.config.signer({ ...scheme })).toBe(first);
    expect(await clients.s3.config.signer({ ...scheme, signingRegion: 'eu-west-1' })).not.toBe(first);
    await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: 'signed', Body: 'x' }));
    expect(await clients.s3.config.signer(scheme)).toBe(first);
  });
});

// lib/storage/middleware-cache.ts: each command class's middleware is resolved once per client.
describe.each(BACKENDS)('the storage clients’ cached middleware (%s)', (backend) => {
  const counter = () => {
    let calls = 0;
    const middleware = (next: any) => async (args: any) => {
      calls++;
      return next(args);
    };
    return { middleware, calls: () => calls };
  };

  it('is resolved once per command class, and again after each change to the client’s stack', async () => {
    const { config } = await createTestStack(backend);
    const { dynamo } = createStorageClients(config);
    closers.push(async () => dynamo.destroy());
    const get = () => new GetItemCommand({ TableName: config.logTable, Key: { p: { S: 'cached#1' }, b: { N: String(HEAD_SORT_KEY) } } });
    await dynamo.send(get());
    // A command's own middleware is ignored once its class is resolved: the cache is in use.
    const own = counter();
    const second = get();
    second.middlewareStack.add(own.middleware, { step: 'initialize', name: 'own' });
    await dynamo.send(second);
    expect(own.calls()).toBe(0);
    // Middleware added to the client after calls were made applies to the next call, and its removal too.
    const late = counter();
    dynamo.middlewareStack.add(late.middleware, { step: 'initialize', name: 'late' });
    await dynamo.send(get());
    expect(late.calls()).toBe(1);
    dynamo.middlewareStack.remove('late');
    await dynamo.send(get());
    expect(late.calls()).toBe(1);
  });

  it('keeps the head append’s ambiguity to its own command class, whichever UpdateItem came first', async () => {
    const { config } = await createTestStack(backend);
    const { dynamo } = createStorageClients(config);
    closers.push(async () => dynamo.destroy());
    const input = (v: string): UpdateItemCommandInput => ({
      TableName: config.logTable,
      Key: { p: { S: 'cached#ambiguous' }, b: { N: '-1' } },
      UpdateExpression: 'SET v = :v',
      ExpressionAttributeValues: { ':v': { S: v } },
    });
    // Each call's first answer is lost after DynamoDB applied it, inside the SDK's retry loop (the SDK's
    // retry of a plain UpdateItem then succeeds).
    const seen = new WeakSet<object>();
    const firstAttempt = (callInput: object) => !seen.has(callInput) && Boolean(seen.add(callInput));
    const lost = injectFault(dynamo, { command: 'UpdateItemCommand', phase: 'after', layer: 'insideRetry', times: 4, match: firstAttempt });
    await dynamo.send(new UpdateItemCommand(input('plain-1')));
    await expect(dynamo.send(new AmbiguousUpdateItemCommand(input('append-1')))).rejects.toBeInstanceOf(AmbiguousWriteError);
    await dynamo.send(new UpdateItemCommand(input('plain-2')));
    await expect(dynamo.send(new AmbiguousUpdateItemCommand(input('append-2')))).rejects.toBeInstanceOf(AmbiguousWriteError);
    expect(lost.count()).toBe(4);
  });

  it('sends concurrent calls of one command class to their own tables', async () => {
    const { config } = await createTestStack(backend);
    const { dynamo } = createStorageClients(config);
    closers.push(async () => dynamo.destroy());
    // Two tables with keys of their own shapes: a call that reached the other table would fail validation there.
    const tables = [
      { name: config.logTable, key: (i: number) => ({ p: { S: `cached#concurrent#${i}` }, b: { N: '-1' } }) },
      { name: config.topicsTable, key: (i: number) => ({ name: { S: `cached-concurrent-${i}` } }) },
    ];
    const at = (i: number) => tables[i % 2]!;
    await dynamo.send(new PutItemCommand({ TableName: at(0).name, Item: at(0).key(-1) })); // a chain resolved before the burst
    await Promise.all(Array.from({ length: 40 }, (_, i) => dynamo.send(new PutItemCommand({ TableName: at(i).name, Item: { ...at(i).key(i), i: { N: String(i) } } }))));
    const read = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await dynamo.send(new GetItemCommand({ TableName: at(i).name, Key: at(i).key(i), ConsistentRead: true }))).Item?.i?.N),
    );
    expect(read).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });

  // With the SDK's `cacheMiddleware` option, which shares one context among concurrent calls, all of these went to the second bucket.
  it('sends concurrent calls of one command class to their own buckets', async () => {
    const { config } = await createTestStack(backend);
    const { s3 } = createStorageClients(config);
    closers.push(async () => s3.destroy());
    const buckets = [config.bucket, `${config.bucket}-second`];
    await s3.send(new CreateBucketCommand({ Bucket: buckets[1] }));
    await s3.send(new PutObjectCommand({ Bucket: buckets[0], Key: 'warm', Body: 'x' })); // a chain resolved before the burst
    await Promise.all(Array.from({ length: 40 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: buckets[i % 2], Key: `concurrent/${i}`, Body: String(i) }))));
    const listed = await Promise.all(buckets.map(async (Bucket) => ((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'concurrent/' }))).Contents ?? []).map((o) => Number(o.Key!.split('/')[1])).sort((a, b) => a - b)));
    expect(listed).toEqual([0, 1].map((parity) => Array.from({ length: 20 }, (_, j) => 2 * j + parity)));
  });
});

// A pooled chain's context is reused by the calls in sequence (lib/storage/middleware-cache.ts): what one
// call leaves there, a failure included, must not change what the next one does.
describe.each(BACKENDS)('a pooled middleware chain, reused in sequence (%s)', (backend) => {
  it('corrects a skewed clock and signs the next call with the corrected one (s3rver refuses a request 15 minutes off)', async () => {
    const { config } = await createTestStack(backend);
    const { s3 } = createStorageClients(config);
    closers.push(async () => s3.destroy());
    const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: Key }));
    expect((await put('skew/warm')).$metadata.attempts).toBe(1); // the chain the next calls reuse
    s3.config.systemClockOffset = -60 * 60 * 1000;
    // Refused as skewed (the SDK's own client does not retry it either), and corrected from the server's time.
    await expect(put('skew/first')).rejects.toMatchObject({ name: 'RequestTimeTooSkewed' });
    expect(Math.abs(s3.config.systemClockOffset)).toBeLessThan(5 * 60 * 1000);
    expect((await put('skew/second')).$metadata.attempts).toBe(1);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: 'skew/second' }))).Body!.transformToString();
    expect(body).toBe('skew/second');
  });

  it('leaves nothing of a failed call to the next: a missing bucket, a missing key, a failed condition', async () => {
    const { config } = await createTestStack(backend);
    const { s3, dynamo } = createStorageClients(config);
    closers.push(async () => (s3.destroy(), dynamo.destroy()));
    await expect(s3.send(new PutObjectCommand({ Bucket: `${config.bucket}-missing`, Key: 'k', Body: 'lost' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: 'after-failure', Body: 'kept' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: 'never-written' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: 'after-failure' }))).Body!.transformToString()).toBe('kept');
    const key = { p: { S: 'pooled#after-failure' }, b: { N: '-1' } };
    const set = (v: string, condition?: string) =>
      dynamo.send(new UpdateItemCommand({ TableName: config.logTable, Key: key, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: v } }, ...(condition ? { ConditionExpression: condition } : {}) }));
    await expect(set('refused', 'attribute_exists(v)')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await set('applied');
    expect((await dynamo.send(new GetItemCommand({ TableName: config.logTable, Key: key, ConsistentRead: true }))).Item?.v?.S).toBe('applied');
  });
});

/** The `user-agent` and `x-amz-user-agent` headers of each request a client sends, as the SDK's build step set them. */
function userAgents(client: S3Client | DynamoDBClient): string[] {
  const seen: string[] = [];
  (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      seen.push(`user-agent: ${headers['user-agent']}\nx-amz-user-agent: ${headers['x-amz-user-agent']}`);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'seenUserAgent' },
  );
  return seen;
}

/** The feature flags a user agent reports (its `m/` section, as the SDK encodes them). */
const features = (userAgent: string) => userAgent.match(/ m\/([^ \n]*)/)![1]!.split(',');

// Each call reports only the features it used (lib/storage/middleware-cache.ts): a pooled chain's context
// is the SDK's per call, not a record of every call it served.
describe.each(BACKENDS)('a pooled middleware chain’s user agent (%s)', (backend) => {
  it('reports, after a PutObject with a CRC32 checksum, none on the next PutObject, as a fresh client does', async () => {
    const { config } = await createTestStack(backend);
    const reused = createStorageClients(config).s3;
    const fresh = createStorageClients(config).s3;
    closers.push(async () => (reused.destroy(), fresh.destroy()));
    const [reusedAgents, freshAgents] = [userAgents(reused), userAgents(fresh)];
    const put = (s3: S3Client, Key: string, checksum?: 'CRC32') => s3.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: Key, ...(checksum ? { ChecksumAlgorithm: checksum } : {}) }));
    await put(reused, 'ua/crc32', 'CRC32');
    await put(reused, 'ua/plain');
    await put(fresh, 'ua/plain');
    expect(features(reusedAgents[0]!)).toContain('U'); // FLEXIBLE_CHECKSUMS_REQ_CRC32
    expect(reusedAgents[1]).toBe(freshAgents[0]);
    expect(features(reusedAgents[1]!)).not.toContain('U');
  });

  it('reports, after an UpdateItem signed with credentials that name their source, not that source on the next UpdateItem signed without', async () => {
    const { config } = await createTestStack(backend);
    // Credentials that have expired, so the client asks for them again before each request: the first
    // ones say where they came from (as the SDK's own providers do, `$source`), as if from a profile.
    let source: Record<string, string> | undefined = { CREDENTIALS_PROFILE: 'n' };
    const client = () =>
      leanStorageClient(
        new DynamoDBClient({
          region: config.region,
          endpoint: config.dynamoDbEndpoint!,
          credentials: async () => ({ ...LOCAL_CREDENTIALS, expiration: new Date(0), ...(source ? { $source: source } : {}) }),
        }),
      );
    const [reused, fresh] = [client(), client()];
    closers.push(async () => (reused.destroy(), fresh.destroy()));
    const [reusedAgents, freshAgents] = [userAgents(reused), userAgents(fresh)];
    const update = (dynamo: DynamoDBClient, v: string) =>
      dynamo.send(new UpdateItemCommand({ TableName: config.logTable, Key: { p: { S: 'pooled#ua' }, b: { N: '-1' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: v } } }));
    await update(reused, 'from a profile');
    source = undefined;
    await update(reused, 'from code');
    await update(fresh, 'from code');
    expect(features(reusedAgents[0]!)).toContain('n');
    expect(reusedAgents[1]).toBe(freshAgents[0]);
    expect(features(reusedAgents[1]!)).not.toContain('n');
  });
});

describe('a reused signer', () => {
  // s3rver checks that a request's access key exists (not the SigV4 signature itself), so a key the
  // provider hands out after the signer was built must show up in the next request.
  it('signs each request with the credentials the provider gives at that moment', async () => {
    const { config } = await createTestStack('dynalite');
    // Already expired, so the client asks the provider again before every request.
    let current: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS;
    const s3 = new S3Client({
      region: config.region,
      endpoint: config.s3Endpoint!,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: async () => ({ ...current, expiration: new Date(0) }),
    });
    reuseSigner(s3);
    closers.push(async () => s3.destroy());
    const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: key }));
    await put('before');
    current = { accessKeyId: 'ROTATED', secretAccessKey: 'rotated-secret' };
    await expect(put('rotated')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    current = LOCAL_CREDENTIALS;
    await put('after');
    const read = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: 'after' }));
    expect(await read.Body!.transformToString()).toBe('after');
  });
});
