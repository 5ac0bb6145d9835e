import type { WakeMessage } from '../contract/wake.js';

/** What the hub needs of a socket: send one text message, and close. */
export interface WakeSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without a closing handshake (ws's sockets have it). */
  terminate?(): void;
}

export interface WakeRegistration {
  topic: string;
  topicId: string;
  partitions: readonly number[];
}

/**
 * The wake sockets this process serves (the local stack's Node server), by topic incarnation and
 * partition. A commit here wakes the sockets watching its partition: each gets one message and is
 * closed, so a watcher costs nothing per commit once woken, until it comes back idle and opens
 * another. On AWS, API Gateway holds the sockets and the same registrations live in the groups table
 * (lib/wake/wake-connect.ts, socket-waker.ts).
 */
export class WakeHub {
  private readonly watchers = new Map<string, Set<{ registration: WakeRegistration; socket: WakeSocket }>>();
  /** Set by a server that upgrades wake sockets; until then the API says this deployment has no wake channel. */
  served = false;

  /** Watches until woken or `unwatch`ed (the socket closed); answers how to stop. */
  watch(registration: WakeRegistration, socket: WakeSocket): () => void {
    const watcher = { registration, socket };
    let set = this.watchers.get(registration.topicId);
    if (!set) this.watchers.set(registration.topicId, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (!set.size && this.watchers.get(registration.topicId) === set) this.watchers.delete(registration.topicId);
    };
  }

  /** How many sockets watch this topic incarnation now. */
  watching(topicId: string): number {
    return this.watchers.get(topicId)?.size ?? 0;
  }

  /** A commit on `partition` of the topic incarnation `topicId`: wakes its watchers, once each. */
  notify(topicId: string, partition: number): void {
    const set = this.watchers.get(topicId);
    if (!set) return;
    for (const watcher of [...set]) {
      const { registration, socket } = watcher;
      if (!registration.partitions.includes(partition)) continue;
      set.delete(watcher);
      const message: WakeMessage = { topic: registration.topic, partitions: [partition] };
      try {
        socket.send(JSON.stringify(message));
        socket.close(1000, 'woken');
      } catch {
        // A socket that broke is already closing: its client fetches when it sees the close.
      }
    }
    if (!set.size) this.watchers.delete(topicId);
  }

  /**
   * Drops every socket (the server is stopping; an upgraded socket would hold its close open): each
   * client sees its socket end, and fetches.
   */
  closeAll(): void {
    for (const set of this.watchers.values()) for (const { socket } of set) (socket.terminate ?? (() => socket.close(1001, 'server stopping')))();
    this.watchers.clear();
  }
}
