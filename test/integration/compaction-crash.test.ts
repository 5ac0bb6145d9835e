import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { CleanerStore } from '../../lib/log/cleaner-store.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { LogCleaner, type CleanerOptions } from '../../lib/log/log-cleaner.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import { SegmentStore } from '../../lib/log/segment-store.js';
import { readAll, readThroughGaps } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/**
 * A crash at every write of a compaction and of a merge, and an answer lost at every write (which the
 * SDK retries). After each: every record that compaction keeps is readable at its offset, readers
 * (one with the old chunks cached, one fresh) answer at once with increasing offsets and original
 * records only, and a later run, in another process, finishes the job and removes what was replaced.
 */

const WRITES = ['PutObjectCommand', 'DeleteObjectsCommand', 'DeleteObjectCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];
type Mode = 'crash before' | 'crash after' | 'answer lost';

class Crash extends Error {}

/** The writers' roll threshold, which the cleaner also rolls a tail left full at. */
const TAIL = 2;

/**
 * Fails the `at`th write this process makes. A crash fails it (before it reaches storage, or after
 * storage applied it) and every call after it: the process is dead. A lost answer is a timeout inside
 * the SDK's retry loop after storage applied the write; the SDK retries it and the process goes on.
 */
function failWrite(clients: Array<S3Client | DynamoDBClient>, at: number, mode: Mode): () => number {
  let writes = 0;
  let dead = false;
  for (const client of clients) {
    (client.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (dead) throw new Crash('the process is dead');
        if (!WRITES.includes(context.commandName) || writes++ !== at) return next(args);
        if (mode === 'answer lost') {
          await next(args);
          throw Object.assign(new Error('answer lost'), { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: {} });
        }
        dead = true;
        if (mode === 'crash after') await next(args);
        throw new Crash(`crashed ${mode} ${context.commandName}`);
      },
      mode === 'answer lost' ? { step: 'deserialize', name: `lose-${at}`, priority: 'low' } : { step: 'initialize', name: `crash-${at}` },
    );
  }
  return () => writes;
}

function cleanerOf(stack: TestStack): LogCleaner {
  const { dynamo, s3 } = stack.runnel.clients;
  return new LogCleaner({
    heads: new HeadStore(dynamo, stack.config.logTable),
    cleaner: new CleanerStore(dynamo, stack.config.logTable),
    segments: new SegmentStore(s3, stack.config.bucket),
    rollTailAt: TAIL,
  });
}

interface Scenario {
  name: string;
  config: Record<string, unknown>;
  options: Partial<CleanerOptions>;
  /** Offsets of the records the job keeps. */
  kept: number[];
  write(stack: TestStack, topic: string, now: number): Promise<void>;
}

const produce = (stack: TestStack, topic: string, records: unknown[]) =>
  stack.request('POST', `/v1/topics/${topic}/records`, { records }).then((res) => expect(res.status).toBe(200));

const SCENARIOS: Scenario[] = [
  {
    name: 'compaction',
    config: { 'cleanup.policy': 'compact' },
    options: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1_000_000 },
    // Six batches of {x, k(i mod 4)} at offsets 2i, 2i + 1: the last of each key is at 5, 7, 9, 10, 11.
    kept: [5, 7, 9, 10, 11],
    async write(stack, topic, now) {
      for (let i = 0; i < 6; i++) await produce(stack, topic, [{ key: 'x', value: i, timestamp: now }, { key: `k${i % 4}`, value: i, timestamp: now }]);
    },
  },
  {
    name: 'merge',
    config: {},
    options: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 2 },
    kept: [0, 1, 2, 3, 4, 5],
    async write(stack, topic) {
      for (let i = 0; i < 6; i++) await produce(stack, topic, [{ value: i }]);
    },
  },
];

async function objectKeys(stack: TestStack, topicId: string): Promise<string[]> {
  const res = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket, Prefix: `${topicId}/` }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

async function referencedKeys(stack: TestStack, topicId: string): Promise<string[]> {
  const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
  const pk = partitionKey({ topicId, partition: 0 });
  const head = (await heads.read(pk))!;
  const entries = [...(await heads.chunksBelow(pk, head.tailBase)).flatMap((c) => c.entries), ...head.tail];
  return entries.map((e) => `${topicId}/0/${e.segmentId}`).sort();
}

/** A whole partition reads back as original records only, in increasing offsets, with every kept one. */
async function checkReads(reader: TestStack, topic: string, all: any[], kept: number[]) {
  const read = await readThroughGaps(reader, topic, 0);
  for (const r of read) expect(r).toEqual(all[r.offset]);
  const offsets = read.map((r) => r.offset);
  for (const o of kept) expect(offsets).toContain(o);
  return offsets;
}

describe.each(BACKENDS)('a crash or a lost answer at every write of a compaction and a merge (%s)', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack(backend, { log: { maxTailEntries: TAIL } });
  });

  for (const scenario of SCENARIOS) {
    // About 50 jobs, each on a fresh topic: some 10 s on a quiet machine, several times that under load.
    it(`${scenario.name}: no record lost, no reader blocked, and the next run finishes`, { timeout: 300_000 }, async () => {
      let count = 0;
      let writesInCleanRun = Infinity;
      // The first pass fails nothing (at −1) and counts the writes of an undisturbed job.
      for (const mode of ['answer lost', 'crash before', 'crash after'] as Mode[]) {
        for (let at = writesInCleanRun === Infinity ? -1 : 0; at < writesInCleanRun; at++, count++) {
          const topic = `${scenario.name}-${mode.replace(' ', '-')}-${at}`;
          expect((await stack.request('POST', '/v1/topics', { name: topic, config: scenario.config })).status).toBe(201);
          const now = Date.now();
          await scenario.write(stack, topic, now);
          const { topicId } = await stack.runnel.topics.get(topic);
          const ref = { topicId, partition: 0 };
          const config = (await stack.runnel.topics.get(topic)).config;
          const all = await readAll(stack, topic, 0);
          const cached = stack.another();
          await readAll(cached, topic, 0);

          // The job, and its garbage collection after the delay, in one process that may die.
          const doomed = stack.another();
          const writes = failWrite([doomed.runnel.clients.dynamo, doomed.runnel.clients.s3], at, mode);
          const run = (clock: number) => cleanerOf(doomed).clean(ref, config, { clock: () => clock, deadline: Date.now() + 60_000, options: scenario.options });
          await run(now).catch((e) => expect(e).toBeInstanceOf(Crash));
          await run(now + FILE_DELETE_DELAY_MS).catch((e) => expect(e).toBeInstanceOf(Crash));
          if (at === -1) expect(await checkReads(stack.another(), topic, all, scenario.kept)).toEqual(scenario.kept);
          if (at === -1) writesInCleanRun = writes();

          // Right away: readers answer, with original records only, in order, every kept one there.
          await checkReads(cached, topic, all, scenario.kept);
          await checkReads(stack.another(), topic, all, scenario.kept);

          // Later, another process (after the dead one's lease ran out) finishes the job.
          const later = now + 30 * 60 * 1000;
          const recovery = cleanerOf(stack.another());
          for (const clock of [later, later + FILE_DELETE_DELAY_MS]) {
            await recovery.clean(ref, config, { clock: () => clock, deadline: Date.now() + 60_000, options: scenario.options });
          }
          expect(await checkReads(cached, topic, all, scenario.kept)).toEqual(scenario.kept);
          expect(await checkReads(stack.another(), topic, all, scenario.kept)).toEqual(scenario.kept);
          // What is left unreferenced is at most the dead job's own new segment, for the orphan sweep.
          const referenced = await referencedKeys(stack, topicId);
          const objects = await objectKeys(stack, topicId);
          expect(referenced.every((k) => objects.includes(k))).toBe(true);
          expect(objects.filter((k) => !referenced.includes(k)).length).toBeLessThanOrEqual(mode === 'answer lost' ? 0 : 1);
          // And the partition still takes writes.
          await produce(stack, topic, [{ key: 'x', value: 'after' }]);
        }
      }
      expect(count).toBe(1 + 3 * writesInCleanRun);
      expect(writesInCleanRun).toBeGreaterThanOrEqual(8);
    });
  }
});
