import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunnelConfig } from '../config.js';
import { poolResolvedMiddleware } from './middleware-cache.js';
import { withoutSdkLogging } from './no-sdk-logging.js';
import { reuseSigner } from './reuse-signer.js';

/**
 * Keep-alive (the SDK's default too, stated here because the CPU per batch depends on it: a connection
 * per call costs a handshake, TLS on AWS). One fetch GETs many segments at once, and a local server
 * serves many fetches: 50 sockets, the SDK's default, would queue them.
 */
export const STORAGE_REQUEST_HANDLER = { httpAgent: { keepAlive: true, maxSockets: 256 }, httpsAgent: { keepAlive: true, maxSockets: 256 } };

/**
 * The DynamoDB client of a deployment, with its SigV4 signer built once (reuse-signer.ts), its resolved
 * middleware reused (middleware-cache.ts) and no log filtering (no-sdk-logging.ts). On its own
 * module so that a function that only ever touches tables (the wake notifier) bundles no S3 client.
 */
export function createDynamoClient(config: RunnelConfig): DynamoDBClient {
  const client = new DynamoDBClient({
    region: config.region,
    requestHandler: STORAGE_REQUEST_HANDLER,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
  });
  return leanStorageClient(client);
}

/** What both storage clients get: the CPU per storage call, BENCHMARKS.md "CPU per committed batch". */
export function leanStorageClient<C extends S3Client | DynamoDBClient>(client: C): C {
  reuseSigner(client);
  return poolResolvedMiddleware(withoutSdkLogging(client));
}
