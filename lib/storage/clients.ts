import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { RunnelConfig } from '../config.js';
import { createDynamoClient, leanStorageClient, STORAGE_REQUEST_HANDLER } from './dynamo-client.js';

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
 * Each client builds its SigV4 signer once per auth scheme rather than per request (reuse-signer.ts),
 * reuses each command class's resolved middleware (middleware-cache.ts) and skips the SDK's log
 * filtering for the logger it does not have (no-sdk-logging.ts): the CPU per storage call,
 * BENCHMARKS.md "CPU per committed batch".
 */
export function createStorageClients(config: RunnelConfig): StorageClients {
  const credentials = config.credentials;
  const requestHandler = STORAGE_REQUEST_HANDLER;
  let s3: S3Client | undefined;
  let dynamo: DynamoDBClient | undefined;
  return {
    get s3() {
      return (s3 ??= leanStorageClient(new S3Client({
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
      return (dynamo ??= createDynamoClient(config));
    },
  };
}
