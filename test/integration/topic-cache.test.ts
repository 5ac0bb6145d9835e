import { afterEach, describe, expect, it, vi } from 'vitest';
import { countMatching, injectFault } from '../support/faults.js';
import { BACKENDS, createTestStack, type Backend, type TestStack } from '../support/stack.js';

/** Completed reads of the topics table, counted once each answer is back. */
function completedTopicReads(stack: TestStack): () => number {
  let done = 0;
  (stack.runnel.clients.dynamo.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      if (context.commandName === 'GetItemCommand' && args.input.TableName === stack.config.topicsTable) done++;
      return result;
    },
    { step: 'initialize', priority: 'high', name: `completed-topic-reads-${Math.random()}` },
  );
  return () => done;
}

/** Lets the continuation of a read that has answered (caching what it read) run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

/** A stack with topic "t", Date faked from now (t0), and its topic reads counted as sent and as answered. */
async function cachedTopic(backend: Backend) {
  const stack = await createTestStack(backend);
  await stack.request('POST', '/v1/topics', { name: 't' });
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.now();
  // Counted outermost, before any fault a test adds holds a read: a held read counts as sent.
  const started = countMatching(stack.runnel.clients.dynamo, (command, input) => command === 'GetItemCommand' && input.TableName === stack.config.topicsTable);
  return { stack, t0, started, completed: completedTopicReads(stack) };
}

describe.each(BACKENDS)('the topic cache (%s)', (backend) => {
  afterEach(() => vi.useRealTimers());

  it('renews an entry in the background before it expires, so that steady produces never wait for the topic read', async () => {
    const { stack, t0, started, completed } = await cachedTopic(backend);
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'a' }] })).status).toBe(200);
    expect(started()).toBe(0);
    // Past three quarters of its second: answered from the cache, and renewed meanwhile.
    vi.setSystemTime(t0 + 800);
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'b' }] })).status).toBe(200);
    await vi.waitFor(() => expect(completed()).toBe(1));
    await settle();
    // Past the first entry's second, the renewed one serves: no read in the request's path.
    vi.setSystemTime(t0 + 1100);
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'c' }] })).status).toBe(200);
    expect(started()).toBe(1);
    // Never served older than a second: once the renewed entry expires too, the request reads it afresh.
    vi.setSystemTime(t0 + 800 + 1100);
    expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
    expect(started()).toBe(2);
  });

  it('counts a renewed entry’s age from when its read was sent, so that a renewal answering late is not served as fresh', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    vi.setSystemTime(t0 + 800);
    const started = countMatching(stack.runnel.clients.dynamo, (command, input) => command === 'GetItemCommand' && input.TableName === stack.config.topicsTable);
    const completed = completedTopicReads(stack);
    injectFault(stack.runnel.clients.dynamo, {
      command: 'GetItemCommand',
      phase: 'after',
      error: 'none',
      match: (input) => input.TableName === stack.config.topicsTable,
      // The renewal's answer comes back five seconds after it was sent (retried, or its Lambda frozen meanwhile).
      meanwhile: async () => vi.setSystemTime(t0 + 5800),
    });
    expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
    await vi.waitFor(() => expect(completed()).toBe(1));
    await settle();
    // What it read is five seconds old: the next use reads the topic again instead of trusting it.
    expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
    expect(started()).toBe(2);
  });

  it('a background renewal that never answers holds off the next one for a second only', async () => {
    const { stack, t0, started, completed } = await cachedTopic(backend);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    injectFault(stack.runnel.clients.dynamo, {
      command: 'GetItemCommand',
      phase: 'before',
      error: 'none',
      match: (input) => input.TableName === stack.config.topicsTable,
      // The first renewal's read hangs (the SDK clients set no request timeout) until the test ends.
      meanwhile: () => held,
    });
    try {
      vi.setSystemTime(t0 + 800);
      expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
      expect(started()).toBe(1);
      // Within its second the hung renewal still stands for the next: no second renewal.
      vi.setSystemTime(t0 + 900);
      expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
      expect(started()).toBe(1);
      // Expired: a request reads it in its path (it is not held), and caches it afresh.
      vi.setSystemTime(t0 + 1900);
      expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
      expect(started()).toBe(2);
      await settle();
      // Three quarters into the fresh entry's second, it is renewed in the background again.
      vi.setSystemTime(t0 + 2700);
      expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
      expect(started()).toBe(3);
      await vi.waitFor(() => expect(completed()).toBe(2));
    } finally {
      release();
    }
    await vi.waitFor(() => expect(completed()).toBe(3));
    await settle();
    // The hung read's late answer (sent at t0 + 800) did not replace the renewal's entry (sent at t0 + 2700).
    vi.setSystemTime(t0 + 3400);
    expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
    expect(started()).toBe(3);
  });

  it('does not bring back a topic this process deleted while a background renewal was reading it', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 800);
    let deleted!: (status: number) => void;
    const deletedMeanwhile = new Promise<number>((r) => (deleted = r));
    injectFault(stack.runnel.clients.dynamo, {
      command: 'GetItemCommand',
      phase: 'after',
      error: 'none',
      match: (input) => input.TableName === stack.config.topicsTable,
      // The renewal has read the topic; before it caches what it read, this process deletes it.
      meanwhile: async () => deleted((await stack.request('DELETE', '/v1/topics/t')).status),
    });
    expect((await stack.runnel.topics.find('t'))?.name).toBe('t');
    expect(await deletedMeanwhile).toBe(204);
    await settle();
    expect(await stack.runnel.topics.find('t')).toBeUndefined();
    expect((await stack.request('POST', '/v1/topics/t/records', { records: [{ value: 'x' }] })).status).toBe(404);
  });
});
