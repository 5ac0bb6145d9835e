import { compareTopicPartitions, topicPartitionKey as partitionKey, type TopicPartition } from '../contract/topic-partition.js';

export interface AssignmentMember {
  id: string;
  topics: readonly string[];
}

const byId = (a: AssignmentMember, b: AssignmentMember) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The target owner of every partition, from the live members and who holds what now. Pure and
 * deterministic (input order does not matter), so every member computes the same answer.
 *
 * Balanced: each member's quota is ⌊N/M⌋ or ⌈N/M⌉; the ⌈⌉ quotas go to the members that hold the most
 * already, so the fewest partitions move. Sticky: a member keeps what it holds up to its quota; only
 * the surplus and the unowned partitions move, all in this one round. When members subscribe to
 * different topics, a partition only goes to a subscriber, and balance is best effort.
 */
export function assign(
  members: readonly AssignmentMember[],
  partitions: readonly TopicPartition[],
  currentOwner: ReadonlyMap<string, string>,
): Map<string, string> {
  const sortedMembers = [...members].sort(byId);
  const sortedPartitions = [...partitions].sort(compareTopicPartitions);
  const target = new Map<string, string>();
  if (sortedMembers.length === 0) return target;

  const subscribers = (tp: TopicPartition) => sortedMembers.filter((m) => m.topics.includes(tp.topic));
  const assignable = sortedPartitions.filter((tp) => subscribers(tp).length > 0);
  const eligibleHeld = new Map<string, TopicPartition[]>(sortedMembers.map((m) => [m.id, []]));
  for (const tp of assignable) {
    const owner = currentOwner.get(partitionKey(tp));
    const member = owner === undefined ? undefined : sortedMembers.find((m) => m.id === owner);
    if (member?.topics.includes(tp.topic)) eligibleHeld.get(member.id)!.push(tp);
  }

  const quotas = quotasFor(sortedMembers, assignable.length, eligibleHeld);
  const count = new Map<string, number>(sortedMembers.map((m) => [m.id, 0]));
  for (const m of sortedMembers) {
    for (const tp of eligibleHeld.get(m.id)!.slice(0, quotas.get(m.id))) {
      target.set(partitionKey(tp), m.id);
      count.set(m.id, count.get(m.id)! + 1);
    }
  }
  for (const tp of assignable) {
    const key = partitionKey(tp);
    if (target.has(key)) continue;
    const candidates = subscribers(tp);
    // Prefer a member below its quota; among those, the least loaded, then the lowest id.
    const under = candidates.filter((m) => count.get(m.id)! < quotas.get(m.id)!);
    const pool = under.length ? under : candidates;
    const chosen = pool.reduce((best, m) => (count.get(m.id)! < count.get(best.id)! ? m : best));
    target.set(key, chosen.id);
    count.set(chosen.id, count.get(chosen.id)! + 1);
  }
  return target;
}

/** ⌈N/M⌉ for the `N mod M` members holding the most (ties: lowest id), ⌊N/M⌋ for the rest. */
function quotasFor(
  members: readonly AssignmentMember[],
  total: number,
  held: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<string, number> {
  const floor = Math.floor(total / members.length);
  const extra = total % members.length;
  const ranked = [...members].sort((a, b) => held.get(b.id)!.length - held.get(a.id)!.length || byId(a, b));
  return new Map(ranked.map((m, i) => [m.id, floor + (i < extra ? 1 : 0)]));
}
