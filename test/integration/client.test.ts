import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runnel, RunnelHttpError } from '../../lib/client/index.js';
import { decodeCbor } from '../../lib/codec/cbor.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { injectFault } from '../support/faults.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';
import { until } from './consumer-support.js';

/** The client against a real Runnel over real HTTP, storage on each backend. */
describe.each(BACKENDS)('client (%s)', (backend) => {
  let stack: TestStack;
  let served: ServedRunnel;
  let runnel: Runnel;

  beforeAll(async () => {
    stack = await createTestStack(backend);
    served = await serveRunnel(stack.runnel);
    runnel = new Runnel({ url: served.url });
  });
  afterAll(() => served.close());

  async function everything(topic: string, partitions: number) {
    const all = [];
    for (let p = 0; p < partitions; p++) all.push(...(await readAll(stack, topic, p)));
    return all;
  }

  it('admin: creates, lists, describes, reports offsets of and deletes topics', async () => {
    const admin = runnel.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain('adm');
    expect(await admin.fetchTopicMetadata({ topics: ['adm'] })).toEqual({
      topics: [{ name: 'adm', partitions: [0, 1, 2].map((partitionId) => ({ partitionId, partitionErrorCode: 0 })) }],
    });
    expect((await admin.describeTopic('adm')).config['retention.ms']).toBe(60000);

    const producer = runnel.producer();
    await producer.send({ topic: 'adm', messages: [{ value: 1, partition: 2, timestamp: 1_000 }, { value: 2, partition: 2, timestamp: 2_000 }] });
    expect(await admin.fetchTopicOffsets('adm')).toEqual([
      { partition: 0, offset: '0', high: '0', low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
      { partition: 2, offset: '2', high: '2', low: '0' },
    ]);
    expect((await admin.fetchTopicOffsetsByTimestamp('adm', 1_500)).find((o) => o.partition === 2)).toEqual({ partition: 2, offset: '1' });

    await admin.deleteTopics({ topics: ['adm'] });
    const err = await admin.describeTopic('adm').catch((e) => e);
    expect(err).toBeInstanceOf(RunnelHttpError);
    expect(err).toMatchObject({ status: 404, code: 'unknown_topic', retriable: false });
  });

  it('producer: keys land where the server would put them; values, headers and timestamps round-trip', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'rt', numPartitions: 4 }] });
    const producer = runnel.producer();
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const sent = await producer.send({ topic: 'rt', messages: keys.map((key, i) => ({ key, value: { i } })) });
    // The server's partitioner, given the same keys without partitions, must agree with the client's.
    const server = await stack.request('POST', '/v1/topics/rt/records', { records: keys.map((key, i) => ({ key, value: { i, server: true } })) });
    const clientPartition = new Map<string, number>();
    const all = await everything('rt', 4);
    for (const r of all.filter((r) => !r.value.server)) clientPartition.set(r.key, r.partition);
    server.body.offsets.forEach((o: { partition: number }, i: number) => expect(clientPartition.get(keys[i]!)).toBe(o.partition));
    expect(sent.reduce((n, m) => n + m.offsets.length, 0)).toBe(20);
    for (const m of sent) expect(m).toMatchObject({ topicName: 'rt', errorCode: 0, baseOffset: m.offsets[0] });

    const bytes = Buffer.from([0, 1, 2, 255]);
    const [meta] = await producer.send({
      topic: 'rt',
      messages: [
        { key: 'a', value: 'text', headers: { h: 'v', b: Buffer.from('bytes') }, partition: 1, timestamp: '1700000000000' },
        { key: Buffer.from([9, 9]), value: bytes, partition: 1, timestamp: new Date(1_700_000_000_001) },
        { key: 'gone', value: null, partition: 1 },
        { value: [1, 'two', { three: 3 }], partition: 1 },
      ],
    });
    const p1 = await readAll(stack, 'rt', 1, Number(meta!.baseOffset));
    expect(p1.map((r) => r.value)).toEqual(['text', bytes.toString('base64'), null, [1, 'two', { three: 3 }]]);
    expect(p1[0]).toMatchObject({ key: 'a', headers: { h: 'v', b: 'bytes' }, timestamp: 1_700_000_000_000 });
    expect(p1[1]).toMatchObject({ key: Buffer.from([9, 9]).toString('base64'), keyEncoding: 'base64', valueEncoding: 'base64', timestamp: 1_700_000_000_001 });
    expect(meta!.offsets).toEqual(p1.map((r) => String(r.offset)));
  });

  it('producer: rejects a bad message in its own send, before anything is queued', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'bad', numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: '100' }] }] });
    const producer = runnel.producer();
    await expect(producer.send({ topic: 'bad', messages: [{ value: 1, partition: 2 }] })).rejects.toThrow(/messages\[0\]\.partition: 2 is not a partition/);
    await expect(producer.send({ topic: 'bad', messages: [{ value: 'x'.repeat(200) }] })).rejects.toThrow(/exceeds max\.message\.bytes 100/);
    await expect(producer.send({ topic: 'bad', messages: [{ value: undefined as never }] })).rejects.toThrow(/value is required/);
    await expect(producer.send({ topic: 'nope', messages: [{ value: 1 }] })).rejects.toMatchObject({ code: 'unknown_topic' });
    expect(await producer.send({ topic: 'bad', messages: [{ value: 'ok' }] })).toHaveLength(1);
    await producer.disconnect();
    await expect(producer.send({ topic: 'bad', messages: [{ value: 1 }] })).rejects.toThrow(/disconnected/);
  });

  /** Grows a topic as a future add-partitions route would: the new heads first, then the count. */
  async function addPartitions(topic: string, count: number) {
    const t = await stack.runnel.topics.get(topic);
    const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
    for (let p = t.partitions; p < count; p++) await heads.create(partitionKey({ topicId: t.topicId, partition: p }));
    await stack.runnel.clients.dynamo.send(
      new UpdateItemCommand({
        TableName: stack.config.topicsTable,
        Key: { name: { S: topic } },
        UpdateExpression: 'SET #p = :n',
        ExpressionAttributeNames: { '#p': 'partitions' },
        ExpressionAttributeValues: { ':n': { N: String(count) } },
      }),
    );
    await stack.runnel.topics.find(topic, true);
  }

  it('a producer and a consumer pick up partitions added after they started (bug 14)', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'grow', numPartitions: 2 }] });
    const producer = runnel.producer();
    // Reads the partition count again before every send: the interval at its shortest.
    const keyed = runnel.producer({ metadataMaxAge: 0 });
    await producer.send({ topic: 'grow', messages: [{ value: 'before', partition: 1 }] });
    await keyed.send({ topic: 'grow', messages: [{ key: 'k', value: 'before' }] });
    const consumer = runnel.consumer({ groupId: 'grow', sessionTimeout: 10_000, heartbeatInterval: 200, maxWaitTimeInMs: 200, autoCommitInterval: 100 });
    const seen: Array<[number, unknown]> = [];
    await consumer.subscribe({ topic: 'grow', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push([partition, message.value]) });
    try {
      await until('the consumer holds both partitions', () => (consumer.assignment().length === 2 ? true : undefined));
      await addPartitions('grow', 4);

      // A partition beyond the count the producer read: it reads the count again instead of refusing.
      const [meta] = await producer.send({ topic: 'grow', messages: [{ value: 'new-3', partition: 3 }] });
      expect(meta!.partition).toBe(3);
      // Keyed messages land where the server's partitioner puts them with the new count.
      const landed = [];
      for (let i = 0; i < 12; i++) {
        const key = `key-${i}`;
        const [mine] = await keyed.send({ topic: 'grow', messages: [{ key, value: 'new-keyed' }] });
        const server = await stack.request('POST', '/v1/topics/grow/records', { records: [{ key, value: 'server-keyed' }] });
        expect(mine!.partition, key).toBe(server.body.offsets[0].partition);
        landed.push(mine!.partition);
      }
      expect(landed.some((p) => p >= 2)).toBe(true);

      // The consumer: its group's heartbeats hand it the new partitions.
      await until('the consumer holds all four partitions', () => (consumer.assignment().length === 4 ? true : undefined));
      await until('records of the new partitions consumed', () => (seen.some(([p, v]) => p === 3 && v === 'new-3') ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
  });

  it('producer: by default many small sends share one request (a segment per partition); linger 0 sends each alone', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'batch', numPartitions: 3 }] });
    // Produce requests that were answered 200, with the partitions each carried. Each partition of a
    // request is one segment write; retries after a server error would add attempts, not answers.
    const answered: Array<Set<number>> = [];
    const observing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST' && res.status === 200) {
        const body = (init.body instanceof Uint8Array ? decodeCbor(init.body) : JSON.parse(String(init.body))) as { records: Array<{ partition: number }> };
        answered.push(new Set(body.records.map((r) => r.partition)));
      }
      return res;
    };
    const client = new Runnel({ url: served.url, fetch: observing });

    const batching = client.producer();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => batching.send({ topic: 'batch', messages: [{ key: `k${i % 30}`, value: i }] })));
    expect(results.flat().flatMap((m) => m.offsets)).toHaveLength(300);
    expect(answered).toHaveLength(1);
    expect(answered[0]!.size).toBeLessThanOrEqual(3);

    const eager = client.producer({ lingerMs: 0 });
    for (let i = 0; i < 10; i++) await eager.send({ topic: 'batch', messages: [{ key: `k${i}`, value: i }] });
    expect(answered).toHaveLength(11);

    const all = await everything('batch', 3);
    expect(all.map((r) => r.value).sort((a, b) => a - b)).toEqual([...Array.from({ length: 300 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => i)].sort((a, b) => a - b));
  });

  it('producer: under a steady stream, adaptive lingering (the default) keeps each partition in send order and acknowledges each message at its committed offset', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'steady', numPartitions: 4 }] });
    const producer = runnel.producer();
    const sends: Array<Promise<Array<{ partition: number; offsets: string[] }>>> = [];
    // One message per send, every 2 ms, as events arrive in an application: the linger grows with them.
    for (let i = 0; i < 240; i++) {
      sends.push(producer.send({ topic: 'steady', messages: [{ key: `k${i % 8}`, value: i }] }));
      await new Promise((r) => setTimeout(r, 2));
    }
    const acked = (await Promise.all(sends)).map(([meta], i) => ({ i, partition: meta!.partition, offset: Number(meta!.offsets[0]) }));
    const log = await everything('steady', 4);
    for (const a of acked) expect(log.find((r) => r.partition === a.partition && r.offset === a.offset)?.value).toBe(a.i);
    for (let p = 0; p < 4; p++) {
      const values = log.filter((r) => r.partition === p).map((r) => r.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(log).toHaveLength(240);
    await producer.disconnect();
  });

  it('producer: sendBatch writes to several topics; flush sends without waiting for the linger', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'sb1' }, { topic: 'sb2', numPartitions: 2 }] });
    const producer = runnel.producer({ lingerMs: 60_000 });
    const pending = producer.sendBatch({
      topicMessages: [
        { topic: 'sb1', messages: [{ value: 'a' }, { value: 'b' }] },
        { topic: 'sb2', messages: [{ key: 'x', value: 'c' }] },
      ],
    });
    await producer.flush();
    const meta = await pending;
    expect(meta.map((m) => [m.topicName, m.offsets.length])).toEqual([
      ['sb1', 2],
      ['sb2', 1],
    ]);
    expect((await readAll(stack, 'sb1', 0)).map((r) => r.value)).toEqual(['a', 'b']);
  });

  it('idempotent producer: appends whose responses are lost leave exactly one copy, at the offsets first given', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'idem', numPartitions: 3 }] });
    // Each head append is applied in DynamoDB, then its response is lost: the server answers 500 and the producer retries.
    const drop = injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'after',
      match: (input) => String(input.UpdateExpression).includes('list_append'),
      times: 4,
    });
    const producer = runnel.producer({ retry: { initialRetryTime: 10 } });
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: { i } }));
    const [first, second] = await Promise.all([
      producer.send({ topic: 'idem', messages: messages.slice(0, 15) }),
      producer.send({ topic: 'idem', messages: messages.slice(15) }),
    ]);
    await producer.send({ topic: 'idem', messages: [{ key: 'k0', value: { i: 30 } }] });
    drop.remove();
    expect(drop.count()).toBe(4);

    const all = await everything('idem', 3);
    expect(all.map((r) => r.value.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    // The offsets the producer reported are where the records are.
    for (const m of [...first!, ...second!]) {
      for (const offset of m.offsets) expect(all.find((r) => r.partition === m.partition && r.offset === Number(offset))).toBeDefined();
    }
  });

  it('idempotent producer: a retry that reaches another server instance (another Lambda) is still written once', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'idem2', numPartitions: 2 }] });
    const other = await serveRunnel(stack.another().runnel);
    try {
      // Produce requests alternate between the two instances; only the first one's appends lose their answers.
      let posts = 0;
      const alternate: typeof fetch = (input, init) =>
        fetch(init?.method === 'POST' && posts++ % 2 ? String(input).replace(served.url, other.url) : input, init);
      const drop = injectFault(stack.runnel.clients.dynamo, {
        command: 'UpdateItemCommand',
        phase: 'after',
        match: (input) => String(input.UpdateExpression).includes('list_append'),
        times: 2,
      });
      const producer = new Runnel({ url: served.url, fetch: alternate }).producer({ retry: { initialRetryTime: 10 } });
      const sent = await producer.send({ topic: 'idem2', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: i })) });
      drop.remove();
      expect(drop.count()).toBe(2);
      const all = await everything('idem2', 2);
      expect(all.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(sent.flatMap((m) => m.offsets.map((o) => `${m.partition}:${o}`)).sort()).toEqual(all.map((r) => `${r.partition}:${r.offset}`).sort());
    } finally {
      await other.close();
    }
  });

  it('without idempotence the same lost response writes a duplicate (the case the producer id prevents)', async () => {
    await runnel.admin().createTopics({ topics: [{ topic: 'dup' }] });
    const drop = injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'after',
      match: (input) => String(input.UpdateExpression).includes('list_append'),
    });
    await runnel.producer({ idempotent: false, retry: { initialRetryTime: 10 } }).send({ topic: 'dup', messages: [{ value: 'once' }] });
    drop.remove();
    expect((await readAll(stack, 'dup', 0)).map((r) => r.value)).toEqual(['once', 'once']);
  });

  it('a request that cannot connect fails with a clear, typed error after its retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const offline = new Runnel({ url: `http://127.0.0.1:${port}`, retry: { retries: 1, initialRetryTime: 1 } });
    const err = await offline.admin().listTopics().catch((e) => e);
    expect(err).toBeInstanceOf(RunnelHttpError);
    expect(err).toMatchObject({ status: 0, code: 'connection_refused' });
    expect(err.message).toMatch(/cannot connect/);
  });
});
