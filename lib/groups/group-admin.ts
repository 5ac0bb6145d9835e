import type {
  GroupDescription,
  GroupList,
  GroupSummary,
  PartitionDescription,
  ResetOffsetsRequest,
  ResetOffsetsResponse,
  TopicPartitionOffset,
} from '../contract/groups.js';
import { topicPartitionKey as partitionKey } from '../contract/topic-partition.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { TopicStore } from '../topics/topic-store.js';
import { leaseHeld, liveMembers } from './group-coordinator.js';
import { NOBODY, committedOffsetOf, type GroupItems, type LeaseStore } from './lease-store.js';

/** Listing, describing (with lag), resetting offsets and deleting groups. Group ids and requests arrive validated. */
export class GroupAdmin {
  private readonly store: LeaseStore;
  private readonly topics: TopicStore;
  private readonly log: PartitionLog;
  private readonly clock: () => number;
  /** Whether a group is a push subscription's, which is deleted with the subscription. */
  private readonly isSubscription: (group: string) => Promise<boolean>;

  constructor({
    store,
    topics,
    log,
    clock = Date.now,
    isSubscription = async () => false,
  }: {
    store: LeaseStore;
    topics: TopicStore;
    log: PartitionLog;
    clock?: () => number;
    isSubscription?: (group: string) => Promise<boolean>;
  }) {
    this.store = store;
    this.topics = topics;
    this.log = log;
    this.clock = clock;
    this.isSubscription = isSubscription;
  }

  private async existing(group: string): Promise<{ group: string; items: GroupItems }> {
    const items = await this.store.read(group);
    if (!items.members.length && !items.leases.length) throw notFound('unknown_group', `group "${group}" does not exist`);
    return { group, items };
  }

  private async inactive(group: string): Promise<{ group: string; items: GroupItems }> {
    const found = await this.existing(group);
    const live = liveMembers(found.items, this.clock());
    if (live.length) {
      throw conflict('group_active', `group "${found.group}" has ${live.length} live member(s); stop its consumers first`);
    }
    return found;
  }

  async list(): Promise<GroupList> {
    const now = this.clock();
    const groups = new Map<string, GroupSummary>();
    for (const { group, member, lease } of await this.store.scan()) {
      const g = groups.get(group) ?? { group, members: 0, partitions: 0 };
      if (member && member.expiresAt > now) g.members++;
      if (lease) g.partitions++;
      groups.set(group, g);
    }
    return { groups: [...groups.values()].sort((a, b) => a.group.localeCompare(b.group)) };
  }

  async describe(name: string): Promise<GroupDescription> {
    const { group, items } = await this.existing(name);
    const now = this.clock();
    const live = liveMembers(items, now);
    const leases = new Map(items.leases.map((l) => [partitionKey(l), l]));
    const partitions: PartitionDescription[] = [];
    const topicNames = new Set([...items.leases.map((l) => l.topic), ...live.flatMap((m) => m.topics)]);
    for (const name of [...topicNames].sort()) {
      const topic = await this.topics.find(name);
      const states = topic ? await this.topics.partitionStates(topic) : [];
      const count = Math.max(topic?.partitions ?? 0, ...items.leases.filter((l) => l.topic === name).map((l) => l.partition + 1));
      for (let partition = 0; partition < count; partition++) {
        const lease = leases.get(partitionKey({ topic: name, partition }));
        const state = states.find((s) => s.partition === partition);
        const held = lease !== undefined && leaseHeld(lease, live, now);
        const committed = committedOffsetOf(lease, topic?.topicId) ?? null;
        partitions.push({
          topic: name,
          partition,
          owner: held ? lease!.owner! : null,
          epoch: lease?.epoch ?? 0,
          handoff: held && lease!.handoffTo ? (lease!.handoffTo === NOBODY ? null : lease!.handoffTo) : null,
          committedOffset: committed,
          highWatermark: state?.highWatermark ?? null,
          lag: state ? state.highWatermark - (committed ?? state.logStartOffset) : null,
        });
      }
    }
    const subscribed = (p: PartitionDescription) => live.some((m) => m.topics.includes(p.topic));
    const settled = partitions.filter(subscribed).every((p) => p.owner !== null && p.handoff === null);
    return {
      group,
      state: live.length === 0 ? 'empty' : settled ? 'stable' : 'rebalancing',
      members: live
        .map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId ?? null,
          topics: m.topics,
          partitions: partitions.filter((p) => p.owner === m.memberId).length,
          expiresInMs: m.expiresAt - now,
          sessionTimeoutMs: m.sessionTimeoutMs,
        }))
        .sort((a, b) => a.memberId.localeCompare(b.memberId)),
      partitions,
    };
  }

  async resetOffsets(group: string, req: ResetOffsetsRequest): Promise<ResetOffsetsResponse> {
    const topic = await this.topics.get(req.topic);
    const items = await this.store.read(group);
    if (liveMembers(items, this.clock()).length) throw conflict('group_active', `group "${group}" has live members; stop its consumers first`);
    const partitions = req.partitions ?? Array.from({ length: topic.partitions }, (_, p) => p);
    partitions.forEach((p, i) => {
      if (p >= topic.partitions) throw badRequest('invalid_partition', `partitions[${i}]: ${p} is not a partition of "${topic.name}" (0..${topic.partitions - 1})`, { field: `partitions[${i}]` });
    });
    const states = await this.topics.partitionStates(topic);
    const offsets: TopicPartitionOffset[] = [];
    for (const partition of partitions) {
      const state = states.find((s) => s.partition === partition)!;
      const offset =
        req.to === 'timestamp'
          ? await this.log.offsetForTimestamp({ topicId: topic.topicId, partition }, req.timestamp)
          : req.to === 'offset'
            ? req.offset
            : req.to === 'earliest'
              ? state.logStartOffset
              : state.highWatermark;
      if (offset < state.logStartOffset || offset > state.highWatermark) {
        throw badRequest('offset_out_of_range', `offset: ${offset} is outside partition ${partition}'s [${state.logStartOffset}, ${state.highWatermark}]`, { field: 'offset' });
      }
      offsets.push({ topic: topic.name, partition, offset });
    }
    const now = this.clock();
    const seen = new Map(items.leases.map((l) => [partitionKey(l), l.epoch]));
    for (const o of offsets) {
      // At the epoch read with the group: a member that joined since and took the lease is not overwritten.
      if (!(await this.store.resetOffset({ group, tp: o, offset: o.offset, now, topicId: topic.topicId, seenEpoch: seen.get(partitionKey(o)) }))) throw conflict('group_active', `partition ${o.partition} of "${o.topic}" is held by a member; stop its consumers first`);
    }
    return { offsets };
  }

  async delete(name: string): Promise<void> {
    const { group, items } = await this.inactive(name);
    if (await this.isSubscription(group)) throw conflict('group_is_subscription', `"${group}" is a push subscription's group; delete the subscription instead`);
    for (const m of items.members) await this.store.deleteMember(group, m.memberId);
    for (const l of items.leases) await this.store.deleteLease(group, l);
  }
}
