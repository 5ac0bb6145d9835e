import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { answerMissingObjectsAsAws } from '../support/s3-as-aws.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

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
});
