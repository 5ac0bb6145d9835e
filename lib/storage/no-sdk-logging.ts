import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Takes the SDK's logger middleware off a client built without a logger.
 *
 * After every call that middleware builds the record it would log: it copies the call's input and output
 * through their schemas, member by member, to mask sensitive fields (`schemaLogFilter`; a PutObject
 * input has ≈ 60 members, an UpdateItem's attribute values nest), then hands the record to the client's
 * logger, which, when none was given, is the SDK's NoOpLogger and drops it. That was ≈ 0.2 ms of CPU per
 * PutObject + UpdateItem pair (bench/sdk-ab.ts; BENCHMARKS.md, "CPU per committed batch"). Runnel's storage clients are
 * only ever built without a logger (clients.ts, dynamo-client.ts): Runnel logs its own requests.
 */
export function withoutSdkLogging<C extends S3Client | DynamoDBClient>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
