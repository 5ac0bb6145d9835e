import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunnelConfig } from '../lib/config.js';
import { createStorageClients } from '../lib/storage/clients.js';
import { applyLatencyProfile } from './latency-profile.js';
import type { LoadOperation } from './processes.js';
import { RECORDS_PER_REQUEST, segmentBody } from './workload.js';

export interface StorageFloorArgs {
  config: RunnelConfig;
  scenarioId: string;
  maxTailEntries: number;
  /** Draw AWS-like service times from this seed (bench/latency-profile.ts); none when absent. */
  profileSeed?: number;
}

/**
 * The storage floor: the bare storage work of one committed batch — an S3 PutObject of a segment-sized
 * body, then a DynamoDB UpdateItem of the head append's shape (list_append of one entry plus a
 * counter, conditional on the list's length, UPDATED_NEW) on a test item of its own — issued directly
 * with the SDK, on clients of its own, against the same emulators, into a bucket of its own so that
 * Runnel's bucket holds only Runnel's objects. Each worker moves to a fresh item after maxTailEntries
 * appends, so the item grows like a head between rolls without any extra request. A load for the
 * load generator process (bench/processes.ts).
 */
export async function storageFloor({ config, scenarioId, maxTailEntries, profileSeed }: StorageFloorArgs): Promise<LoadOperation & { segmentBytes: number }> {
  const clients = createStorageClients(config);
  if (profileSeed !== undefined) applyLatencyProfile(clients, { seed: profileSeed, enabled: true });
  const bucket = `${config.bucket}-bench-floor-${scenarioId}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = segmentBody();
  const entry = `${'0'.repeat(22)}:${RECORDS_PER_REQUEST}:${body.byteLength}:${Date.now()}`;
  const appends: number[] = [];
  const op = async (w: number) => {
    const n = (appends[w] = (appends[w] ?? -1) + 1);
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${w}/${n}`, Body: body }));
    await clients.dynamo.send(headAppendLike(config.logTable, `bench-floor#${scenarioId}#${w}#${Math.floor(n / maxTailEntries)}`, entry, maxTailEntries));
  };
  return {
    op,
    segmentBytes: body.byteLength,
    close() {
      clients.s3.destroy();
      clients.dynamo.destroy();
    },
  };
}

/**
 * An UpdateItem of the head append's shape: list_append of one entry plus a counter, conditional on the
 * list's length, UPDATED_NEW, on test item `p`.
 */
export function headAppendLike(table: string, p: string, entry: string, maxTailEntries: number): UpdateItemCommand {
  return new UpdateItemCommand({
    TableName: table,
    Key: { p: { S: p }, b: { N: '-1' } },
    UpdateExpression: 'SET tail = list_append(if_not_exists(tail, :empty), :entry), nextOffset = if_not_exists(nextOffset, :zero) + :count',
    ConditionExpression: 'attribute_not_exists(tail) OR size(tail) < :max',
    ExpressionAttributeValues: {
      ':entry': { L: [{ S: entry }] },
      ':empty': { L: [] },
      ':zero': { N: '0' },
      ':count': { N: String(RECORDS_PER_REQUEST) },
      ':max': { N: String(maxTailEntries) },
    },
    ReturnValues: 'UPDATED_NEW',
  });
}
