import type { FetchQuery, FetchResponse, MultiFetchRequest, MultiFetchResponse, OffsetQuery, OffsetResponse } from './fetch.js';
import type {
  CommitRequest,
  CommitResponse,
  GroupDescription,
  GroupList,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinRequest,
  LeaveRequest,
  ReleaseRequest,
  ReleaseResponse,
  ResetOffsetsRequest,
  ResetOffsetsResponse,
} from './groups.js';
import type { ProduceRequest, ProduceResponse } from './records.js';
import type { CreateSubscriptionRequest, SubscriptionDescription, SubscriptionInfo, SubscriptionList, UpdateSubscriptionRequest } from './subscriptions.js';
import type { OperationId } from './routes.js';
import type { WakeChannelResponse, WakeSocketQuery } from './wake.js';
import type { AlterTopicConfigRequest, CreatePartitionsRequest, CreateTopicRequest, TopicDescription, TopicList, TopicView } from './topics.js';

/** What each operation of the route table takes (`body`, `query`) and answers (`response`; `void` for 204). */
export interface Operations {
  createTopic: { body: CreateTopicRequest; response: TopicView };
  listTopics: { response: TopicList };
  describeTopic: { response: TopicDescription };
  deleteTopic: { response: void };
  createPartitions: { body: CreatePartitionsRequest; response: TopicView };
  alterTopicConfig: { body: AlterTopicConfigRequest; response: TopicView };
  getOpenApiDocument: { response: object };
  health: { response: { status: 'ok' } };
  produceRecords: { body: ProduceRequest; response: ProduceResponse };
  fetchRecords: { query: FetchQuery; response: FetchResponse };
  fetchPartitions: { body: MultiFetchRequest; response: MultiFetchResponse };
  lookupOffset: { query: OffsetQuery; response: OffsetResponse };
  wakeChannel: { query: WakeSocketQuery; response: WakeChannelResponse };
  listGroups: { response: GroupList };
  describeGroup: { response: GroupDescription };
  deleteGroup: { response: void };
  resetGroupOffsets: { body: ResetOffsetsRequest; response: ResetOffsetsResponse };
  commitOffsets: { body: CommitRequest; response: CommitResponse };
  joinGroup: { body: JoinRequest; response: HeartbeatResponse };
  heartbeat: { body?: HeartbeatRequest; response: HeartbeatResponse };
  releasePartitions: { body: ReleaseRequest; response: ReleaseResponse };
  leaveGroup: { body?: LeaveRequest; response: ReleaseResponse };
  createSubscription: { body: CreateSubscriptionRequest; response: SubscriptionInfo };
  listSubscriptions: { response: SubscriptionList };
  describeSubscription: { response: SubscriptionDescription };
  updateSubscription: { body: UpdateSubscriptionRequest; response: SubscriptionInfo };
  deleteSubscription: { response: void };
}

/** The answer of an operation. */
export type ResponseOf<Id extends OperationId> = Operations[Id]['response'];

// Every route has its entry here and every entry its route: a route added to one alone fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const complete: Same<OperationId, keyof Operations> = true;
void complete;
