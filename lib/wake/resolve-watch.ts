import { badRequest, notFound } from '../errors.js';
import type { TopicStore } from '../topics/topic-store.js';
import type { WakeRegistration } from './wake-hub.js';

/**
 * What a wake socket watches, from the topic's name and the partitions its query names (every partition
 * when none): the wake route and AWS's `$connect` judge a socket alike. Read fresh, since a socket
 * registered for an incarnation deleted a moment ago would never be woken.
 */
export async function resolveWatch(topics: TopicStore, name: string, partitions: readonly number[] | undefined): Promise<WakeRegistration> {
  const topic = await topics.find(name, true);
  if (!topic) throw notFound('unknown_topic', `topic "${name}" does not exist`);
  const missing = partitions?.find((p) => p >= topic.partitions);
  if (missing !== undefined) throw badRequest('invalid_partition', `partitions: topic "${topic.name}" has no partition ${missing}`, { field: 'partitions' });
  return { topic: topic.name, topicId: topic.topicId, partitions: partitions ? [...partitions] : Array.from({ length: topic.partitions }, (_, p) => p) };
}
