import type { TopicPartition } from './topic-partition.js';

/** `POST /v1/groups/{group}/members`. `sessionTimeoutMs` defaults to DEFAULT_SESSION_TIMEOUT_MS; without `memberId` the server picks one. */
export interface JoinRequest {
  topics: string[];
  sessionTimeoutMs?: number;
  memberId?: string;
  /** A name for people (a host and pid, a service name), shown by describe. */
  clientId?: string;
}

/**
 * A heartbeat's optional body. `sessionTimeoutMs` renews the session for that long and keeps it as the
 * member's session from then on: an idle member waiting on its wake socket heartbeats rarely with a
 * long session, and a busy one with its short one (docs/groups-api.md).
 */
export interface HeartbeatRequest {
  sessionTimeoutMs?: number;
}

export interface Assignment extends TopicPartition {
  epoch: number;
  /** The topic's incarnation now, to which `committedOffset` belongs; null if the topic does not exist. */
  topicId: string | null;
  committedOffset: number | null;
  /** The partition is to move: finish, commit and release it. */
  handoff: boolean;
}

/** The answer to a join and to a heartbeat. */
export interface HeartbeatResponse {
  memberId: string;
  sessionTimeoutMs: number;
  /** In partition order. */
  assignments: Assignment[];
  /** Assigned to this member but still being handed off by another. */
  pending: TopicPartition[];
}

/**
 * An offset for a partition held at an epoch: a commit, or the final position at a release. With
 * `topicId`, only if the topic is still that incarnation: an offset read from a deleted topic means
 * nothing on the re-created one.
 */
export interface FencedOffset extends TopicPartition {
  epoch: number;
  offset: number;
  topicId?: string;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** `POST /v1/groups/{group}/commits`. */
export interface CommitRequest {
  memberId: string;
  offsets: FencedOffset[];
}

export interface CommitResponse {
  committed: TopicPartitionOffset[];
}

/** `POST /v1/groups/{group}/members/{member}/release`: commit (where an offset is given) and give up partitions being handed off. */
export interface ReleaseRequest {
  partitions: Array<Omit<FencedOffset, 'offset'> & { offset?: number }>;
}

/** `DELETE /v1/groups/{group}/members/{member}`: commit these, then release every lease. The body may be left out. */
export interface LeaveRequest {
  offsets?: FencedOffset[];
}

export interface ReleaseResponse {
  released: TopicPartition[];
}

/** Why a commit or release of one partition was refused (409, in the error's `rejected`). */
export interface Rejection extends TopicPartition {
  reason: 'stale_epoch' | 'not_owner' | 'lease_expired' | 'topic_recreated';
}

export interface GroupSummary {
  group: string;
  /** Live members. */
  members: number;
  /** Partitions with a lease, held or not. */
  partitions: number;
}

export interface GroupList {
  groups: GroupSummary[];
}

export interface MemberDescription {
  memberId: string;
  /** The name the member's client gave itself (null if it gave none). */
  clientId: string | null;
  topics: string[];
  partitions: number;
  expiresInMs: number;
  /** The session its last join or heartbeat named: longer while it is idle on its wake sockets. */
  sessionTimeoutMs: number;
}

export interface PartitionDescription extends TopicPartition {
  owner: string | null;
  epoch: number;
  handoff: string | null;
  committedOffset: number | null;
  /** Null when the topic no longer exists. */
  highWatermark: number | null;
  lag: number | null;
}

export interface GroupDescription {
  group: string;
  state: 'empty' | 'stable' | 'rebalancing';
  members: MemberDescription[];
  /** By topic, then partition number. */
  partitions: PartitionDescription[];
}

export type OffsetResetTarget =
  | { to: 'earliest' | 'latest' }
  | { to: 'timestamp'; timestamp: number }
  | { to: 'offset'; offset: number };

/** `POST /v1/groups/{group}/offsets`: only for a group with no live members. */
export type ResetOffsetsRequest = { topic: string; partitions?: number[] } & OffsetResetTarget;

export interface ResetOffsetsResponse {
  offsets: TopicPartitionOffset[];
}
