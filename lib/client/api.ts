import type { FetchRequest, FetchResponse, MultiFetchRequest, MultiFetchResponse, OffsetQuery } from '../contract/fetch.js';
import type { GroupDescription, GroupSummary, ResetOffsetsRequest, TopicPartitionOffset } from '../contract/groups.js';
import type { ResponseOf } from '../contract/operations.js';
import type { ProduceResponse } from '../contract/records.js';
import { pathOf, routeOf, type OperationId, type PathParams } from '../contract/routes.js';
import type {
  CreateSubscriptionRequest,
  SubscriptionDescription,
  SubscriptionInfo,
  UpdateSubscriptionRequest,
} from '../contract/subscriptions.js';
import type { AlterTopicConfigRequest, CreateTopicRequest, TopicDescription, TopicView } from '../contract/topics.js';
import type { HttpClient, RequestOptions } from './http.js';

/** Runnel's HTTP API, one typed call per route of the contract's table (lib/contract/routes.ts; docs: openapi.json and docs/groups-api.md). */
export class RunnelApi {
  constructor(readonly http: HttpClient) {}

  /**
   * Any operation of the route table, by its operationId: `call('describeTopic', { topic: 'orders' })`.
   * Its method and path come from the table, its path parameters percent-encoded.
   */
  call<Id extends OperationId>(operationId: Id, params: PathParams<Id>, options?: RequestOptions): Promise<ResponseOf<Id>> {
    return this.http.request(routeOf(operationId).method, pathOf(operationId, params), options);
  }

  createTopic(body: CreateTopicRequest): Promise<TopicView> {
    return this.call('createTopic', {}, { body });
  }

  async listTopics(): Promise<TopicView[]> {
    return (await this.call('listTopics', {})).topics;
  }

  describeTopic(topic: string, options?: RequestOptions): Promise<TopicDescription> {
    return this.call('describeTopic', { topic }, options);
  }

  deleteTopic(topic: string): Promise<void> {
    return this.call('deleteTopic', { topic });
  }

  /** Raises the topic's partition count to `count`; 400 `invalid_partitions` unless more than now. */
  createPartitions(topic: string, count: number): Promise<TopicView> {
    return this.call('createPartitions', { topic }, { body: { count } });
  }

  /** Sets the configs given (`null`: back to the default) and keeps the rest. Repeating it is harmless. */
  alterTopicConfig(topic: string, change: AlterTopicConfigRequest): Promise<TopicView> {
    return this.call('alterTopicConfig', { topic }, { body: change, idempotent: true });
  }

  /**
   * `body` is a produce request already serialised: JSON text, or CBOR bytes (`application/cbor`,
   * docs/produce-cbor.md); `idempotent` when it carries a producer id and sequences.
   */
  produce(topic: string, body: string | Uint8Array, options: Pick<RequestOptions, 'idempotent' | 'retry' | 'timeout' | 'signal'>): Promise<ProduceResponse> {
    return this.call('produceRecords', { topic }, { ...options, ...(typeof body === 'string' ? { json: body } : { cbor: body }) });
  }

  /** Records of one partition from `offset` on; `waitMs` long-polls. */
  fetch({ topic, partition, ...query }: FetchRequest, options: Pick<RequestOptions, 'signal' | 'timeout'> = {}): Promise<FetchResponse> {
    // A long poll must be allowed to last longer than it waits.
    const timeout = options.timeout ?? (query.waitMs ? query.waitMs + 30_000 : undefined);
    return this.call('fetchRecords', { topic, partition }, { ...options, timeout, query: { ...query } });
  }

  /** Many partitions of `topic` in one request; answered as soon as any has records, or after `waitMs`. */
  fetchMany(topic: string, body: MultiFetchRequest, options: Pick<RequestOptions, 'signal' | 'timeout'> = {}): Promise<MultiFetchResponse> {
    const timeout = options.timeout ?? (body.waitMs ? body.waitMs + 30_000 : undefined);
    // A fetch changes nothing, so a retry after a lost answer is harmless.
    return this.call('fetchPartitions', { topic }, { ...options, timeout, body, idempotent: true });
  }

  async offsetFor(topic: string, partition: number, at: OffsetQuery): Promise<number> {
    return (await this.call('lookupOffset', { topic, partition }, { query: { ...at } })).offset;
  }

  async listGroups(): Promise<GroupSummary[]> {
    return (await this.call('listGroups', {})).groups;
  }

  describeGroup(group: string): Promise<GroupDescription> {
    return this.call('describeGroup', { group });
  }

  /** Only for a group with no live members (409 `group_active` otherwise). Repeating it is harmless. */
  async resetGroupOffsets(group: string, body: ResetOffsetsRequest): Promise<TopicPartitionOffset[]> {
    return (await this.call('resetGroupOffsets', { group }, { body, idempotent: true })).offsets;
  }

  deleteGroup(group: string): Promise<void> {
    return this.call('deleteGroup', { group });
  }

  createSubscription(body: CreateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.call('createSubscription', {}, { body });
  }

  async listSubscriptions(): Promise<SubscriptionInfo[]> {
    return (await this.call('listSubscriptions', {})).subscriptions;
  }

  describeSubscription(name: string): Promise<SubscriptionDescription> {
    return this.call('describeSubscription', { name });
  }

  /** Setting the same values again is harmless, so a lost answer is retried. */
  updateSubscription(name: string, body: UpdateSubscriptionRequest): Promise<SubscriptionInfo> {
    return this.call('updateSubscription', { name }, { body, idempotent: true });
  }

  deleteSubscription(name: string): Promise<void> {
    return this.call('deleteSubscription', { name });
  }
}
