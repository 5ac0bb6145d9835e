/**
 * The wake channel of pull consumers (docs/client.md, "Idle members"). A member whose fetches come
 * back empty opens a WebSocket for the partitions it holds, makes one catch-up fetch, and then waits
 * for one wake message instead of polling. A socket carries at most one wake: the server forgets the
 * socket once it has sent one, and the client closes it, so a busy topic costs no message per commit.
 */

/** `GET /v1/topics/{topic}/wake`: where to open the topic's wake socket; null when this deployment has none. */
export interface WakeChannelResponse {
  url: string | null;
}

/** The query the socket URL carries beside the server's own: the partitions to be woken for, as `0,1,2`. */
export interface WakeSocketQuery {
  partitions?: string;
}

/** The one message a wake socket carries: records were committed on these partitions of the topic. */
export interface WakeMessage {
  topic: string;
  partitions: number[];
}


/**
 * API Gateway closes a WebSocket after 10 minutes without a message: the consumer closes its own a
 * minute earlier and opens another after a catch-up fetch. This also bounds how long a lost wake
 * (a message the server never sent) can hold back a record: one age plus one fetch; and so how long
 * the deployed wake notifier retries a failed wake.
 */
export const WAKE_SOCKET_MAX_AGE_MS = 9 * 60_000;
