import { LambdaClient } from '@aws-sdk/client-lambda';

export interface LambdaClientOptions {
  region: string;
  /** Another endpoint that speaks Lambda's Invoke API (SAM's `sam local start-lambda`, a test server). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * The client a subscription invokes functions with. The SDK's own retries are off: the subscription's
 * retry policy counts every attempt, and a retry the SDK hid would invoke a function more often than
 * maxAttempts says.
 */
export function createLambdaClient(options: LambdaClientOptions): LambdaClient {
  return new LambdaClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
