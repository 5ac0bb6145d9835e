/**
 * An AWS SDK client's schema module registers a class for every error its service models, for every
 * operation (`n0_registry.registerError(BackupInUseException$, BackupInUseException)`), and the
 * registration keeps the class and its schema in every bundle: 35 for DynamoDB (backups, exports, global
 * tables, transactions…), 21 for S3, about 12 KB. An answer naming an error that is not registered becomes
 * the client's base exception (`DynamoDBServiceException`, `S3ServiceException`) under that error's name,
 * with the same `$fault` and `$metadata`.
 *
 * In the Lambda bundles, the DynamoDB and S3 clients register only the errors that the commands Runnel
 * sends can answer (what each command's documentation lists as `@throws`; test/package/lambda-sdk.test.ts
 * holds every command that lib/ imports to this list), so those come back as their own classes exactly as
 * before. The other clients keep theirs.
 */
export type ThrownErrors = Readonly<Record<string, readonly string[]>>;

export const THROWN_ERRORS: ThrownErrors = {
  '@aws-sdk/client-dynamodb': [
    'ConditionalCheckFailedException',
    'InternalServerError',
    'InvalidEndpointException',
    'ItemCollectionSizeLimitExceededException',
    'LimitExceededException',
    'ProvisionedThroughputExceededException',
    'ReplicatedWriteConflictException',
    'RequestLimitExceeded',
    'ResourceInUseException',
    'ResourceNotFoundException',
    'ThrottlingException',
    'TransactionConflictException',
  ],
  '@aws-sdk/client-s3': [
    'BucketAlreadyExists',
    'BucketAlreadyOwnedByYou',
    'EncryptionTypeMismatch',
    'InvalidObjectState',
    'InvalidRequest',
    'InvalidWriteOffset',
    'NoSuchBucket',
    'NoSuchKey',
    'NotFound',
    'TooManyParts',
    // Modeled for none of our commands, but what S3 answers a GET of a missing key to a role without
    // s3:ListBucket, as the API's functions are (lib/log/segment-store.ts): kept as its own class.
    'AccessDenied',
  ],
};

/** The client package a schema module belongs to, from its resolved path. */
export const clientOf = (path: string): string | undefined => /[\\/](@aws-sdk)[\\/](client-[^\\/]+)[\\/]/.exec(path)?.slice(1).join('/');

/**
 * `n0_registry.registerError(X$, X);` lines of a schema module, for the errors not in `keep`, removed; the
 * service's base exception (registered in `_s_registry`) always stays. A module in another shape passes
 * through as it is.
 */
export function registerOnly(source: string, keep: readonly string[]): string {
  const kept = new Set(keep);
  return source.replace(/^(\w+)_registry\.registerError\((\w+)\$, \2\);$/gm, (line, registry: string, error: string) => (registry === '_s' || kept.has(error) ? line : ''));
}
