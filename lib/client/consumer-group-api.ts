import type { Assignment, CommitResponse, FencedOffset, HeartbeatResponse, JoinRequest, ReleaseRequest, ReleaseResponse } from '../contract/groups.js';
import type { RunnelApi } from './api.js';

/** The contract's types under the names the consumer has always used. */
export type { FencedOffset } from '../contract/groups.js';
export type HeartbeatAnswer = HeartbeatResponse;
export type LeaseAssignment = Assignment;

/**
 * The membership half of the groups API (docs/groups-api.md), as a consumer uses it. Heartbeats are
 * answered quickly or not at all: a retry that outlives the heartbeat interval is worth nothing, so
 * each call gets one short attempt plus one retry.
 */
export class ConsumerGroupApi {
  constructor(
    private readonly api: RunnelApi,
    private readonly group: string,
    private readonly timeoutMs: number,
  ) {}

  /** With the member id chosen by the client (`memberId`), a retried join whose first answer was lost is the same member, not a ghost. */
  join(request: JoinRequest & { memberId: string }): Promise<HeartbeatResponse> {
    return this.api.call('joinGroup', { group: this.group }, { body: request, idempotent: true });
  }

  /** Renews the session for `sessionTimeoutMs`, which the server keeps as the member's session from then on. */
  heartbeat(memberId: string, sessionTimeoutMs: number): Promise<HeartbeatResponse> {
    return this.api.call('heartbeat', { group: this.group, member: memberId }, { body: { sessionTimeoutMs }, idempotent: true, timeout: this.timeoutMs, retry: { retries: 1 } });
  }

  commit(memberId: string, offsets: FencedOffset[]): Promise<CommitResponse> {
    return this.api.call('commitOffsets', { group: this.group }, { body: { memberId, offsets }, idempotent: true, timeout: this.timeoutMs });
  }

  release(memberId: string, partitions: ReleaseRequest['partitions']): Promise<ReleaseResponse> {
    return this.api.call('releasePartitions', { group: this.group, member: memberId }, { body: { partitions }, idempotent: true, timeout: this.timeoutMs });
  }

  leave(memberId: string, offsets: FencedOffset[]): Promise<ReleaseResponse> {
    return this.api.call('leaveGroup', { group: this.group, member: memberId }, { body: { offsets }, timeout: this.timeoutMs, retry: { retries: 1 } });
  }
}
