/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles. Event streams carry the input or
 * output of a few operations (S3's SelectObjectContent, Lambda's InvokeWithResponseStream), none of which
 * Runnel sends (test/package/sdk-commands.test.ts holds every command it imports to have none); yet each
 * client that has such an operation builds a marshaller at construction, which put 20 KB of codec into
 * every bundle. Here the marshaller and the serde refuse to work, and say why, should an operation ever
 * need them.
 */
const refuse = (): never => {
  throw new Error("Runnel's Lambda bundles leave out the AWS SDK's event streams (cdk/bundling/no-event-streams.ts): no operation they send has one");
};

const marshaller = { serialize: refuse, deserialize: refuse };

export const eventStreamSerdeProvider = (_options?: unknown) => marshaller;

/** As `@smithy/core`'s own: the client's marshaller, from its provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(input: T) =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** What `HttpProtocol` loads on its first event-stream operation. */
export class EventStreamSerde {
  serializeEventStream = refuse;
  deserializeEventStream = refuse;
}
