import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { RunnelConfig } from '../config.js';
import { reuseSigner } from './reuse-signer.js';

export interface StorageClients {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
}

/**
 * The S3 and DynamoDB clients of a deployment, each built the first time it is asked for: a Lambda
 * function whose request never reads or writes a segment (a group's heartbeat, a topic's description)
 * never builds an S3 client.
 *
 * Non-AWS endpoints (emulators, LocalStack) need path-style buckets, and they do not implement the
 * SDK's default CRC checksums on every request, so checksums are only sent where an API requires them.
 *
 * Each client builds its SigV4 signer once per auth scheme rather than per request (reuse-signer.ts).
 */
export function createStorageClients(config: RunnelConfig): StorageClients {
  const credentials = config.credentials;
  // Keep-alive (the SDK's default too, stated here because the CPU per batch depends on it: a connection
  // per call costs a handshake, TLS on AWS). One fetch GETs many segments at once, and a local server
  // serves many fetches: 50 sockets, the SDK's default, would queue them.
  const requestHandler = { httpAgent: { keepAlive: true, maxSockets: 256 }, httpsAgent: { keepAlive: true, maxSockets: 256 } };
  let s3: S3Client | undefined;
  let dynamo: DynamoDBClient | undefined;
  return {
    get s3() {
      return (s3 ??= withReusedSigner(new S3Client({
        region: config.region,
        requestHandler,
        ...(credentials ? { credentials } : {}),
        ...(config.s3Endpoint
          ? {
              endpoint: config.s3Endpoint,
              forcePathStyle: true,
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            }
          : {}),
      })));
    },
    get dynamo() {
      return (dynamo ??= withReusedSigner(
        new DynamoDBClient({
          region: config.region,
          requestHandler,
          ...(credentials ? { credentials } : {}),
          ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
        }),
      ));
    },
  };
}

function withReusedSigner<C extends S3Client | DynamoDBClient>(client: C): C {
  reuseSigner(client);
  return client;
}
