import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import { answerMissingObjectsAsAws } from '../support/s3-as-aws.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const DAY = 24 * 60 * 60 * 1000;

/** Holds the first `command` the client sends until `release()`; `reached` resolves when it is held. */
function holdFirst(client: S3Client | DynamoDBClient, command: string): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((r) => (reached = r));
  let held = false;
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      if (context.commandName === command && !held) {
        held = true;
        reached();
        await gate;
      }
      return next(args);
    },
    { step: 'initialize', name: `hold-${command}-${Math.random().toString(36).slice(2)}` },
  );
  return { reached: arrived, release };
}

/** 4 expired batches of 3 records (offsets 0–11), then 3 fresh ones (12–20); a tail of 2 rolls often. */
async function expiredThenFresh(stack: TestStack, now: number): Promise<void> {
  await stack.request('POST', '/v1/topics', { name: 'r', config: { 'retention.ms': DAY } });
  for (const [timestamp, value] of [...Array(4).fill([now - 3 * DAY, 'old']), ...Array(3).fill([now, 'fresh'])]) {
    const records = [0, 1, 2].map(() => ({ value, timestamp, partition: 0 }));
    expect((await stack.request('POST', '/v1/topics/r/records', { records })).status).toBe(200);
  }
}

describe.each(BACKENDS)('reads and retention (%s)', (backend) => {
  it.each(['404', '403 (AWS without s3:ListBucket)'])('a segment missing from the bucket is reported as missing when S3 answers %s', async (mode) => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'm', config: { 'retention.ms': -1 } });
    expect((await stack.request('POST', '/v1/topics/m/records', { records: [{ value: 'gone', partition: 0 }] })).status).toBe(200);
    const s3 = stack.runnel.clients.s3;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket }));
    await s3.send(new DeleteObjectCommand({ Bucket: stack.config.bucket, Key: listed.Contents![0]!.Key! }));
    const reader = stack.another();
    if (mode.startsWith('403')) answerMissingObjectsAsAws(reader.runnel.clients.s3);
    const res = await reader.request('GET', '/v1/topics/m/partitions/0/records?offset=0');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('missing_segment');
  });

  it.each([
    { stallsAt: 'its chunk lookup', client: 'dynamo', command: 'QueryCommand', missingAs: '404' },
    { stallsAt: 'its first segment GET', client: 's3', command: 'GetObjectCommand', missingAs: '404' },
    { stallsAt: 'its first segment GET', client: 's3', command: 'GetObjectCommand', missingAs: '403 (AWS without s3:ListBucket)' },
  ] as const)('a read that stalls at $stallsAt while retention passes its offset and deletes answers 416, never a gap (missing answers $missingAs)', async (c) => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    const now = Date.now();
    await expiredThenFresh(stack, now);
    const reader = stack.another();
    if (c.missingAs.startsWith('403')) answerMissingObjectsAsAws(reader.runnel.clients.s3);
    // The reader has read the head (offset 0 is in the log), then stalls.
    const stall = holdFirst(reader.runnel.clients[c.client], c.command);
    const read = reader.request('GET', '/v1/topics/r/partitions/0/records?offset=0');
    await stall.reached;
    await stack.runnel.maintain({ now });
    expect((await stack.runnel.maintain({ now: now + FILE_DELETE_DELAY_MS })).segmentsDeleted).toBe(4);
    stall.release();
    const res = await read;
    expect(res.status).toBe(416);
    expect(res.body.error).toMatchObject({ code: 'offset_out_of_range', logStartOffset: 12, highWatermark: 21 });
  });

  it('a read in flight when retention moves the log start finishes with its records: deletion waits', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    const now = Date.now();
    await expiredThenFresh(stack, now);
    const reader = stack.another();
    const stall = holdFirst(reader.runnel.clients.dynamo, 'QueryCommand');
    const read = reader.request('GET', '/v1/topics/r/partitions/0/records?offset=0');
    await stall.reached;
    const report = await stack.runnel.maintain({ now: now + FILE_DELETE_DELAY_MS - 1 });
    expect(report.segmentsDeleted).toBe(0);
    expect((await stack.request('GET', '/v1/topics/r')).body.partitionStates[0].logStartOffset).toBe(12);
    stall.release();
    const res = await read;
    expect(res.status).toBe(200);
    expect(res.body.records.map((r: any) => r.offset)).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });
});
