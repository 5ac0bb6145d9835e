import type { RunnelApi } from '../client/api.js';
import type { GroupDescription, OffsetResetTarget } from '../contract/groups.js';
import { isRunnelHttpError } from '../client/errors.js';
import type { OffsetSpec } from './options.js';
import { resolveStart } from './partition-reader.js';

export interface PlannedReset {
  topic: string;
  partition: number;
  /** The committed offset now; null before the group's first commit on this partition. */
  current: number | null;
  next: number;
}

async function describeOrNone(api: RunnelApi, group: string): Promise<GroupDescription | undefined> {
  try {
    return await api.describeGroup(group);
  } catch (error) {
    // A reset may create a group's offsets: an unknown group has none yet.
    if (isRunnelHttpError(error) && error.code === 'unknown_group') return undefined;
    throw error;
  }
}

/** The reset target in the words of `consume -o`, which resolves it the same way. */
function asOffsetSpec(target: OffsetResetTarget): OffsetSpec {
  if (target.to === 'offset') return { from: 'offset', offset: target.offset };
  if (target.to === 'timestamp') return { from: 'timestamp', timestamp: target.timestamp };
  return { from: target.to };
}

/**
 * What a reset would do, resolved as the server resolves it, with nothing written: the dry run of
 * `groups reset-offsets` (kafka-consumer-groups' default). It refuses what the reset would refuse, a
 * group with live members or an offset outside a partition's log, so a plan that prints can be executed
 * as long as the group and the log stay as they are.
 */
export async function planReset(api: RunnelApi, group: string, request: { topic: string; partitions?: number[] | undefined } & OffsetResetTarget): Promise<PlannedReset[]> {
  const described = await describeOrNone(api, group);
  if (described?.members.length) throw new Error(`group "${group}" has ${described.members.length} live member(s); stop its consumers first (group_active)`);
  const topic = await api.describeTopic(request.topic);
  const partitions = request.partitions ?? topic.partitionStates.map((s) => s.partition);
  const current = new Map((described?.partitions ?? []).filter((p) => p.topic === request.topic).map((p) => [p.partition, p.committedOffset]));
  const plan: PlannedReset[] = [];
  for (const partition of partitions) {
    const state = topic.partitionStates.find((s) => s.partition === partition);
    if (!state) throw new Error(`partition ${partition} is not a partition of "${request.topic}" (0..${topic.partitions - 1})`);
    const next = await resolveStart({ api, topic: request.topic, partition, state, start: asOffsetSpec(request) });
    plan.push({ topic: request.topic, partition, current: current.get(partition) ?? null, next });
  }
  return plan;
}
