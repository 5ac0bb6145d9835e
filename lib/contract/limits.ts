/**
 * The limits of the HTTP API that both sides need: the server enforces them, the client sizes its
 * requests by them. Each is stated once, here.
 */

/** Records one produce request may carry. */
export const MAX_RECORDS_PER_REQUEST = 10_000;

/** Lambda's synchronous payload limit; API Gateway refuses a larger request body anyway. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Lambda refuses a synchronous response payload (the function's result, JSON-encoded) over 6 MiB. */
export const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

/** A fetch's `limit`: records per answer. */
export const DEFAULT_FETCH_LIMIT = 500;
export const MAX_FETCH_LIMIT = 10_000;

/** A fetch's `maxBytes`: the records' JSON as the answer carries it. */
export const DEFAULT_FETCH_BYTES = 1024 * 1024;
export const MAX_FETCH_BYTES = 4 * 1024 * 1024;

/** A fetch's `waitMs`: how long a long poll may wait for new records. */
export const MAX_WAIT_MS = 20_000;

/** The latest timestamp a record or a lookup may name: ECMAScript's last valid `Date`. */
export const MAX_TIMESTAMP = 8.64e15;

/**
 * How deeply a record value may nest arrays and objects. Serializing JSON recurses, and a value some
 * thousands of levels deep overflows the stack on every fetch that includes it; this is far below that.
 */
export const MAX_VALUE_DEPTH = 100;

/** The segment format stores a header name's length and a record's header count in 16 bits. */
export const MAX_HEADERS = 0xffff;
export const MAX_HEADER_NAME_BYTES = 0xffff;

/** Topics: Kafka's name rule allows 1–249 characters; partitions per topic. */
export const MAX_TOPIC_NAME_LENGTH = 249;
export const MAX_PARTITIONS = 1000;

/** `max.message.bytes` at most: any one record must still fit a fetch answer under Lambda's limit. */
export const MAX_MESSAGE_BYTES_LIMIT = 4 * 1024 * 1024;

/** A consumer group member's session. */
export const MIN_SESSION_TIMEOUT_MS = 1000;
export const MAX_SESSION_TIMEOUT_MS = 300_000;
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/** Topics one member may subscribe to; offsets or partitions in one commit, release or leave. */
export const MAX_TOPICS_PER_MEMBER = 100;
export const MAX_OFFSETS_PER_REQUEST = 10_000;
