import { murmur2, toPositive } from './murmur2.js';

export interface PartitionInput {
  key: Uint8Array | null;
  partition?: number | undefined;
}

/**
 * Kafka's default partitioner: an explicit partition wins; a keyed record goes to
 * toPositive(murmur2(key)) % partitions; records without a key stick to one partition per request
 * (Kafka's sticky partitioner, KIP-480), so a request of unkeyed records costs one segment write and
 * successive requests spread across partitions.
 */
export function assignPartitions(records: PartitionInput[], partitions: number, random: () => number = Math.random): number[] {
  let sticky: number | undefined;
  return records.map((r) => {
    if (r.partition !== undefined) return r.partition;
    if (r.key !== null) return toPositive(murmur2(r.key)) % partitions;
    sticky ??= Math.floor(random() * partitions);
    return sticky;
  });
}
