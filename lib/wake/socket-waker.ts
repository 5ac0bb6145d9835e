import type { HeadStore } from '../log/head-store.js';
import { logger } from '../observability/logger.js';
import type { WakePoster } from './connection-poster.js';
import type { WatchedCommit } from './watched-commits.js';
import type { SocketRegistration, WakeRegistrationStore } from './wake-registrations.js';

/**
 * A post that finds the socket gone within this long of its registration is taken for a socket that
 * has not finished opening (its `$connect` wrote the registration and the marks, and API Gateway opens
 * the socket when `$connect` answers, within its 29 s integration timeout), not one that closed: the
 * registration is kept, and expires by itself if the socket never opens. The client's catch-up fetch,
 * made once the socket is open, covers any commit before that.
 */
export const OPENING_GRACE_MS = 30_000;

/** What one batch of commits did, for logs and tests. */
export interface SocketWakeReport {
  /** Wake messages sent, one per socket. */
  sent: number;
  /** Registrations deleted because their socket was gone. */
  gone: number;
  /** Marks cleared because no live socket watches their partition any more. */
  cleared: number;
  /**
   * The commits whose wake failed (a Query, post, delete or clear still failing after the SDK's retries):
   * every commit of a topic any of whose steps failed. Waking them again is safe: a socket already woken
   * has had its registration deleted, so a retry posts to it no more.
   */
  failed: WatchedCommit[];
}

export interface SocketWakerDeps {
  heads: HeadStore;
  registrations: WakeRegistrationStore;
  poster: WakePoster;
  clock?: () => number;
}

/**
 * Wakes the sockets that watch committed partitions, on AWS (the local server's WakeHub does it in
 * memory). For each topic: one Query finds its live registrations; each socket watching a committed
 * partition gets one message naming those partitions, and its registration is deleted (one wake per
 * socket, as locally); a partition no live socket watches any more has its mark cleared, conditionally
 * on the mark the commit carried, so that later commits invoke nothing. A mark already expired when its
 * commit came needs no Query: every socket that wrote it or an older one has expired, and a socket that
 * marks after the commit covers it with its catch-up fetch. So an expired mark costs one invocation,
 * which clears it.
 */
export class SocketWaker {
  private readonly clock: () => number;

  constructor(private readonly deps: SocketWakerDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async wake(commits: readonly WatchedCommit[]): Promise<SocketWakeReport> {
    const report: SocketWakeReport = { sent: 0, gone: 0, cleared: 0, failed: [] };
    const byTopic = new Map<string, WatchedCommit[]>();
    for (const c of commits) byTopic.set(c.topicId, [...(byTopic.get(c.topicId) ?? []), c]);
    await Promise.all(
      [...byTopic].map(([topicId, topicCommits]) =>
        this.wakeTopic(topicId, topicCommits, report).catch((error) => {
          logger.error('waking sockets failed', { error, topicId });
          report.failed.push(...topicCommits);
        }),
      ),
    );
    return report;
  }

  private async wakeTopic(topicId: string, commits: WatchedCommit[], report: SocketWakeReport): Promise<void> {
    const now = this.clock();
    const live = commits.filter((c) => c.mark.until > now);
    const registrations = live.length ? await this.deps.registrations.live(topicId, now) : [];
    const committed = new Set(live.map((c) => c.partition));
    const kept: SocketRegistration[] = [];
    // Every socket is tried even when another's post fails; a registration is deleted only once its
    // socket has its wake, so waking the topic again reaches the ones that did not. Its marks are then
    // left for that retry to clear.
    const posted = await Promise.allSettled(
      registrations.map(async (r) => {
        const partitions = r.partitions.filter((p) => committed.has(p));
        if (!partitions.length) return kept.push(r);
        const outcome = await this.deps.poster.post(r.connectionId, { topic: r.topic, partitions });
        if (outcome === 'gone' && now - r.registeredAt < OPENING_GRACE_MS) return kept.push(r);
        await this.deps.registrations.remove(topicId, r.connectionId);
        report[outcome === 'sent' ? 'sent' : 'gone']++;
      }),
    );
    const failure = posted.find((p) => p.status === 'rejected');
    if (failure) throw failure.reason;
    const watched = new Set(kept.flatMap((r) => r.partitions));
    await Promise.all(
      commits
        .filter((c) => !watched.has(c.partition))
        .map(async (c) => {
          if (await this.deps.heads.clearWatched({ pk: `${topicId}#${c.partition}`, by: c.mark.by })) report.cleared++;
        }),
    );
  }
}
