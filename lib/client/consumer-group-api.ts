import type { HttpClient } from './http.js';

export interface LeaseAssignment {
  topic: string;
  partition: number;
  epoch: number;
  /** The topic's incarnation, to which `committedOffset` belongs (absent from older servers). */
  topicId?: string | null;
  committedOffset: number | null;
  handoff: boolean;
}

export interface HeartbeatAnswer {
  memberId: string;
  sessionTimeoutMs: number;
  assignments: LeaseAssignment[];
  pending: Array<{ topic: string; partition: number }>;
}

export interface FencedOffset {
  topic: string;
  partition: number;
  epoch: number;
  offset: number;
  /** The incarnation of the topic the offset was read from; the server refuses it for another. */
  topicId?: string;
}

const seg = encodeURIComponent;

/**
 * The membership half of the groups API (docs/groups-api.md), as a consumer uses it. Heartbeats are
 * answered quickly or not at all: a retry that outlives the heartbeat interval is worth nothing, so
 * each call gets one short attempt plus one retry.
 */
export class ConsumerGroupApi {
  constructor(
    private readonly http: HttpClient,
    private readonly group: string,
    private readonly timeoutMs: number,
  ) {}

  private member(memberId: string) {
    return `/v1/groups/${seg(this.group)}/members/${seg(memberId)}`;
  }

  /** With the member id chosen by the client, a retried join whose first answer was lost is the same member, not a ghost. */
  join(topics: string[], sessionTimeoutMs: number, memberId: string, clientId: string): Promise<HeartbeatAnswer> {
    return this.http.request('POST', `/v1/groups/${seg(this.group)}/members`, { body: { topics, sessionTimeoutMs, memberId, clientId }, idempotent: true });
  }

  heartbeat(memberId: string): Promise<HeartbeatAnswer> {
    return this.http.request('POST', `${this.member(memberId)}/heartbeat`, { idempotent: true, timeout: this.timeoutMs, retry: { retries: 1 } });
  }

  commit(memberId: string, offsets: FencedOffset[]): Promise<unknown> {
    return this.http.request('POST', `/v1/groups/${seg(this.group)}/commits`, { body: { memberId, offsets }, idempotent: true, timeout: this.timeoutMs });
  }

  release(memberId: string, partitions: Array<Omit<FencedOffset, 'offset'> & { offset?: number }>): Promise<unknown> {
    return this.http.request('POST', `${this.member(memberId)}/release`, { body: { partitions }, idempotent: true, timeout: this.timeoutMs });
  }

  leave(memberId: string, offsets: FencedOffset[]): Promise<unknown> {
    return this.http.request('DELETE', this.member(memberId), { body: { offsets }, timeout: this.timeoutMs, retry: { retries: 1 } });
  }
}
