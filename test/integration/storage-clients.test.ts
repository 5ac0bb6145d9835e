import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../lib/local/emulators.js';
import { createStorageClients } from '../../lib/storage/clients.js';
import { reuseSigner } from '../../lib/storage/reuse-signer.js';
import { HEAD_SORT_KEY } from '../../lib/storage/schema.js';
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
