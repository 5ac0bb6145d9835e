import { WAKE_SOCKET_MAX_AGE_MS, type WakeMessage } from '../contract/wake.js';
import type { RunnelApi } from './api.js';

/**
 * The optional peer that gives Node 20 a WebSocket client; Node 22 has one built in. Without either,
 * an idle consumer polls (MemberFetcher's idle back-off), as against a server with no wake channel.
 */
export const WEBSOCKET_PACKAGE = 'ws';

/** What the consumer uses of a WebSocket: the WHATWG shape, which both Node 22's and `ws`'s have. */
interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export type OpenSocket = (url: string) => SocketLike;

let platform: Promise<OpenSocket | undefined> | undefined;

/** The platform's WebSocket, else the `ws` package's, else none. */
export function platformWebSocket(): Promise<OpenSocket | undefined> {
  return (platform ??= (async () => {
    const builtIn = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
    if (typeof builtIn === 'function') return (url: string) => new builtIn(url);
    try {
      const { WebSocket } = await import('ws');
      return (url: string) => new WebSocket(url) as unknown as SocketLike;
    } catch {
      return undefined;
    }
  })());
}

export { WAKE_SOCKET_MAX_AGE_MS };
/** A socket that has not opened by then counts as failed. */
const OPEN_TIMEOUT_MS = 10_000;
/** After a failure, the next attempt to open waits 1 s, doubling up to 5 min; the member polls meanwhile. */
const RETRY_INITIAL_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;
/** A presigned socket URL is used at once; a minute covers clock skew. */
const PRESIGN_SECONDS = 60;

interface Watch {
  topic: string;
  /** The partitions watched, as the socket's query names them. */
  partitions: string;
  socket: SocketLike | undefined;
  /** Resolves with the tick at which the socket opened, or undefined if it did not. */
  opened: Promise<number | undefined>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface WakeChannelEvents {
  /** A wake message came for `topic`: fetch now. */
  woken(topic: string): void;
  /** A socket ended without a wake (dropped, timed out, aged): fetch now, since a wake may have been lost. */
  ended(topic: string): void;
}

/**
 * A consumer's wake sockets, one per subscribed topic, each for the partitions the member fetches
 * there. The fetcher arms them after an empty fetch; once every one is open, an empty fetch sent after
 * that proves nothing was missed, and the member waits for a wake instead of polling. The order of the
 * two is what makes it safe, and ticks of one counter (`tick`) record it: a commit before the fetch
 * read the heads is in the fetch's answer, and one after it finds the socket registered.
 */
export class WakeChannel {
  private sequence = 0;
  private readonly watches = new Map<string, Watch>();
  private readonly urls = new Map<string, string>();
  private failures = 0;
  private retryAt = 0;
  private closed = false;

  constructor(
    private readonly api: RunnelApi,
    private readonly events: WakeChannelEvents,
    private readonly open: () => Promise<OpenSocket | undefined> = platformWebSocket,
  ) {}

  /** A tick of the channel's clock; the fetcher takes one as it sends each fetch. */
  tick(): number {
    return ++this.sequence;
  }

  /**
   * Makes sure each topic of `wanted` has an open socket for exactly those partitions (closing any
   * other). Answers the tick at which the last of them opened; undefined when one cannot be opened
   * now, in which case the member polls, and the channel is tried again after a back-off.
   */
  async arm(wanted: ReadonlyMap<string, readonly number[]>): Promise<number | undefined> {
    for (const [topic, watch] of this.watches) if (watch.partitions !== partitionList(wanted.get(topic))) this.drop(topic);
    if (this.closed || Date.now() < this.retryAt) return undefined;
    const ticks = await Promise.all([...wanted].map(([topic, partitions]) => (this.watches.get(topic) ?? this.watch(topic, partitions)).opened));
    if (ticks.some((t) => t === undefined)) {
      this.failures++;
      this.retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** (this.failures - 1));
      return undefined;
    }
    this.failures = 0;
    return Math.max(0, ...(ticks as number[]));
  }

  /** Closes every socket; `arm` opens none after this. */
  close(): void {
    this.closed = true;
    for (const topic of [...this.watches.keys()]) this.drop(topic);
  }

  /** Closes the topic's socket, if any, without telling anyone: the caller knows. */
  private drop(topic: string): void {
    const watch = this.watches.get(topic);
    if (!watch) return;
    this.watches.delete(topic);
    clearTimeout(watch.timer);
    watch.socket?.close(1000);
  }

  private watch(topic: string, partitions: readonly number[]): Watch {
    const watch: Watch = { topic, partitions: partitionList(partitions), socket: undefined, opened: Promise.resolve(undefined), timer: undefined };
    this.watches.set(topic, watch);
    watch.opened = this.connect(watch).then((tick) => {
      if (tick === undefined && this.watches.get(topic) === watch) this.drop(topic);
      return tick;
    });
    return watch;
  }

  private async connect(watch: Watch): Promise<number | undefined> {
    let url: URL;
    let openSocket: OpenSocket | undefined;
    try {
      openSocket = await this.open();
      const base = openSocket && (await this.urlOf(watch.topic));
      if (!openSocket || !base) return undefined;
      url = new URL(base);
      url.searchParams.set('partitions', watch.partitions);
      url = await this.api.http.presign(url, PRESIGN_SECONDS);
    } catch {
      return undefined;
    }
    if (this.watches.get(watch.topic) !== watch) return undefined;
    return new Promise<number | undefined>((resolve) => {
      let socket: SocketLike;
      try {
        socket = openSocket(url.toString());
      } catch {
        return resolve(undefined);
      }
      watch.socket = socket;
      let open = false;
      let woken = false;
      const failed = setTimeout(() => {
        socket.close();
        resolve(undefined);
      }, OPEN_TIMEOUT_MS);
      socket.onopen = () => {
        clearTimeout(failed);
        open = true;
        watch.timer = setTimeout(() => {
          if (this.watches.get(watch.topic) !== watch) return;
          this.drop(watch.topic);
          this.events.ended(watch.topic);
        }, WAKE_SOCKET_MAX_AGE_MS);
        resolve(this.tick());
      };
      socket.onmessage = ({ data }) => {
        if (!isWakeMessage(data, watch.topic) || this.watches.get(watch.topic) !== watch) return;
        // One wake per socket: a member that is idle again opens another.
        woken = true;
        this.drop(watch.topic);
        this.events.woken(watch.topic);
      };
      socket.onerror = () => {};
      socket.onclose = () => {
        clearTimeout(failed);
        // The URL may have moved (a redeployed stage): ask again next time.
        if (!open) this.urls.delete(watch.topic);
        resolve(undefined);
        if (woken || this.watches.get(watch.topic) !== watch) return;
        this.drop(watch.topic);
        if (open) this.events.ended(watch.topic);
      };
    });
  }

  /** Where the topic's wake socket is, as the API says (once per topic while it works); null if nowhere. */
  private async urlOf(topic: string): Promise<string | null> {
    const known = this.urls.get(topic);
    if (known) return known;
    const { url } = await this.api.call('wakeChannel', { topic }, { retry: { retries: 0 } });
    if (url) this.urls.set(topic, url);
    return url;
  }
}

const partitionList = (partitions: readonly number[] | undefined): string => (partitions ? [...partitions].sort((a, b) => a - b).join(',') : '');

function isWakeMessage(data: unknown, topic: string): boolean {
  try {
    const message = JSON.parse(String(data)) as WakeMessage;
    return message?.topic === topic && Array.isArray(message.partitions);
  } catch {
    return false;
  }
}
