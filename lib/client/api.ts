import type { WireRecordOut } from '../api/wire-record.js';
import type { FetchResponse } from '../fetch/fetch-service.js';
import type { ProducedOffset } from '../produce/produce-service.js';
import type { TopicDescription, TopicView } from '../topics/topic-admin.js';
import type { HttpClient, RequestOptions } from './http.js';

export type { FetchResponse, ProducedOffset, TopicDescription, TopicView, WireRecordOut };

export interface GroupSummary {
  group: string;
  members: number;
  partitions: number;
}

export interface GroupDescription {
  group: string;
  state: 'empty' | 'rebalancing' | 'stable';
  /** `clientId` is the name the member's client gave itself (null if it gave none). */
  members: Array<{ memberId: string; clientId: string | null; topics: string[]; partitions: number; expiresInMs: number }>;
  partitions: Array<{
    topic: string;
    partition: number;
    owner: string | null;
    epoch: number;
    handoff: string | null;
    committedOffset: number | null;
    highWatermark: number;
    lag: number;
  }>;
}

export type OffsetResetTarget =
  | { to: 'earliest' | 'latest' }
  | { to: 'timestamp'; timestamp: number }
  | { to: 'offset'; offset: number };

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

const seg = encodeURIComponent;

/** Runnel's HTTP API, one typed call per route (docs: openapi.json and docs/groups-api.md). */
export class RunnelApi {
  constructor(readonly http: HttpClient) {}

  createTopic(body: { name: string; partitions?: number; config?: Record<string, string | number> }): Promise<TopicView> {
    return this.http.request('POST', '/v1/topics', { body });
  }

  async listTopics(): Promise<TopicView[]> {
    return (await this.http.request<{ topics: TopicView[] }>('GET', '/v1/topics')).topics;
  }

  describeTopic(topic: string, options?: RequestOptions): Promise<TopicDescription> {
    return this.http.request('GET', `/v1/topics/${seg(topic)}`, options);
  }

  deleteTopic(topic: string): Promise<void> {
    return this.http.request('DELETE', `/v1/topics/${seg(topic)}`);
  }

  /** `json` is a produce request body already serialised; `idempotent` when it carries a producer id and sequences. */
  produce(topic: string, json: string, options: Pick<RequestOptions, 'idempotent' | 'retry' | 'timeout' | 'signal'>): Promise<{ offsets: ProducedOffset[] }> {
    return this.http.request('POST', `/v1/topics/${seg(topic)}/records`, { ...options, json });
  }

  fetch(
    topic: string,
    partition: number,
    query: { offset: number; limit?: number; maxBytes?: number; waitMs?: number },
    options: Pick<RequestOptions, 'signal' | 'timeout'> = {},
  ): Promise<FetchResponse> {
    // A long poll must be allowed to last longer than it waits.
    const timeout = options.timeout ?? (query.waitMs ? query.waitMs + 30_000 : undefined);
    return this.http.request('GET', `/v1/topics/${seg(topic)}/partitions/${partition}/records`, { ...options, timeout, query });
  }

  async offsetFor(topic: string, partition: number, at: { timestamp: number } | { spec: 'earliest' | 'latest' }): Promise<number> {
    const res = await this.http.request<{ offset: number }>('GET', `/v1/topics/${seg(topic)}/partitions/${partition}/offsets`, { query: at });
    return res.offset;
  }

  async listGroups(): Promise<GroupSummary[]> {
    return (await this.http.request<{ groups: GroupSummary[] }>('GET', '/v1/groups')).groups;
  }

  describeGroup(group: string): Promise<GroupDescription> {
    return this.http.request('GET', `/v1/groups/${seg(group)}`);
  }

  /** Only for a group with no live members (409 `group_active` otherwise). Repeating it is harmless. */
  async resetGroupOffsets(group: string, body: { topic: string; partitions?: number[] } & OffsetResetTarget): Promise<TopicPartitionOffset[]> {
    const res = await this.http.request<{ offsets: TopicPartitionOffset[] }>('POST', `/v1/groups/${seg(group)}/offsets`, { body, idempotent: true });
    return res.offsets;
  }

  deleteGroup(group: string): Promise<void> {
    return this.http.request('DELETE', `/v1/groups/${seg(group)}`);
  }
}
