import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * A conditional write whose answer was lost: a timeout, a reset connection, a 5xx, an unreadable
 * response. DynamoDB may or may not have applied it, and only reading the item tells which.
 *
 * It deliberately carries no `code`, `$retryable` or `$metadata`, and keeps the storage error under a
 * name other than `cause` (the SDK's classifier follows `cause`): the SDK's retry strategy then sees a
 * client error and does not retry. A blind retry of an append is what lost data (issue 7, bug 1): it
 * either commits the same segment a second time, or fails its condition in a way that looks like a
 * duplicate and leads the writer to delete a segment that is committed.
 */
export class AmbiguousWriteError extends Error {
  constructor(readonly storageError: unknown) {
    super(`the write may or may not have been applied: ${storageError instanceof Error ? storageError.message : String(storageError)}`);
    this.name = 'AmbiguousWriteError';
  }
}

/**
 * An answer from the service that says the write was not applied: any 4xx but 408 (a timeout, which
 * a proxy may send after forwarding the request), which covers failed conditions, validation and
 * throttling (400 ProvisionedThroughputExceeded, 429), and throttling answered as a 5xx. These stay as
 * they are, so the SDK still retries throttling, which is safe.
 */
function isDefiniteRejection(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return true;
  return e?.$retryable?.throttling === true || /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|SlowDown/.test(e?.name ?? '');
}

/**
 * An UpdateItem whose ambiguous failures surface as AmbiguousWriteError instead of being retried by the
 * SDK: the head append. Its own class, because a storage client reuses a command class's resolved
 * middleware for every instance (lib/storage/middleware-cache.ts), and middleware added to one command
 * would not apply. The SDK still names it UpdateItemCommand
 * (fault rules, meters). The middleware sits at the top of the deserialize step: inside the SDK's retry
 * loop (which is in finalizeRequest), outside the deserializer, so it sees every error of every attempt.
 */
export class AmbiguousUpdateItemCommand extends UpdateItemCommand {
  constructor(input: UpdateItemCommandInput) {
    super(input);
    this.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (isDefiniteRejection(error)) throw error;
          throw new AmbiguousWriteError(error);
        }
      },
      { step: 'deserialize', priority: 'high', name: 'failAmbiguously' },
    );
  }
}
