import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../../lib/client/consumer.js';
import { Runnel } from '../../lib/index.js';
import { countCommands } from '../support/faults.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack } from '../support/stack.js';
import { sleep, until } from './consumer-support.js';

const IDLE_CAP_MS = 200;

describe.each(BACKENDS)('an idle consumer group (%s)', (backend) => {
  let served: ServedRunnel | undefined;
  const consumers: Consumer[] = [];
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => {})));
    await served?.close();
  });

  // Against a server without wake sockets (test/integration/wake-sockets.test.ts has the members that sleep on theirs).
  it('2 members on 12 partitions, polling: one fetch per member per poll, a heartbeat is one write, nothing else touches storage', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    for (let p = 0; p < 12; p++) await stack.request('POST', '/v1/topics/orders/records', { records: [{ value: p, partition: p }] });
    served = await serveRunnel(stack.runnel, { wakeSockets: false });
    const requests: Array<{ member: string; method: string; path: string; body: any }> = [];
    let processed = 0;
    for (const member of ['a', 'b']) {
      const runnel = new Runnel({
        url: served.url,
        fetch: (input, init) => {
          requests.push({ member, method: init?.method ?? 'GET', path: new URL(String(input)).pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined });
          return fetch(input, init);
        },
      });
      const consumer = runnel.consumer({ groupId: 'billing', memberId: member, heartbeatInterval: 300, sessionTimeout: 3000, autoCommitInterval: 100, idleBackoff: { initialMs: 20, maxMs: IDLE_CAP_MS } });
      consumers.push(consumer);
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({ eachMessage: async () => void processed++ });
    }
    await until('6 partitions each, every record processed and committed', async () => {
      if (processed < 12 || consumers.some((c) => c.assignment().length !== 6)) return undefined;
      const described = await stack.request('GET', '/v1/groups/billing');
      const settled = described.body.state === 'stable' && described.body.members.every((m: any) => m.partitions === 6);
      return settled && described.body.partitions.every((p: any) => p.committedOffset === 1) ? true : undefined;
    });

    // The idle window: once the last commits are answered and the back-off has reached its cap, count everything.
    // (On a loaded machine a handoff's release, or a commit, can be answered well after the group settled.)
    const quiet = (r: { path: string }) => r.path === '/v1/topics/orders/fetch' || r.path.endsWith('/heartbeat') || r.path.endsWith('/wake');
    // A request that timed out is retried after its timeout and a backoff: 5 s of quiet outlasts both.
    await until('no request but fetches and heartbeats', async () => {
      requests.length = 0;
      await sleep(5_000);
      return requests.every(quiet) ? true : undefined;
    });
    requests.length = 0;
    const dynamo = countCommands(stack.runnel.clients.dynamo);
    const s3 = countCommands(stack.runnel.clients.s3);
    const tables = new Map<string, number>();
    (stack.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        const key = `${context.commandName} ${args.input.TableName === stack.config.logTable ? 'log' : args.input.TableName === stack.config.groupsTable ? 'groups' : 'topics'}`;
        tables.set(key, (tables.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'count-by-table' },
    );
    const started = Date.now();
    await sleep(1500);
    const windowMs = Date.now() - started;
    const snapshot = [...requests];
    const fetches = snapshot.filter((r) => r.path === '/v1/topics/orders/fetch');
    const heartbeats = snapshot.filter((r) => r.path.endsWith('/heartbeat'));

    // Only fetches and heartbeats (and, at a back-off of seconds, asks whether the server now has a wake
    // channel): nothing per partition, no commits (nothing moved).
    const wakeLookups = snapshot.filter((r) => r.path === '/v1/topics/orders/wake');
    expect(wakeLookups.length).toBeLessThanOrEqual(2);
    expect(snapshot.filter((r) => !fetches.includes(r) && !heartbeats.includes(r) && !wakeLookups.includes(r)).map((r) => `${r.member} ${r.method} ${r.path} ${JSON.stringify(r.body)}`)).toEqual([]);
    for (const member of ['a', 'b']) {
      const mine = fetches.filter((f) => f.member === member);
      // One request names all 6 of the member's partitions.
      expect(mine.every((f) => f.body.partitions.length === 6 && f.body.waitMs === 0)).toBe(true);
      expect(new Set(mine.flatMap((f) => f.body.partitions.map((p: any) => p.partition))).size).toBe(6);
      // At the cap: at most one fetch per IDLE_CAP_MS (plus the one in flight at each end).
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.length).toBeLessThanOrEqual(Math.ceil(windowMs / IDLE_CAP_MS) + 2);
    }
    // Storage, exactly: each fetch reads its 6 heads once; each heartbeat is one Query and one write.
    // (Requests in flight at the window's edges can be counted on one side only: allow one of each per member.)
    const within = (what: string, actual: number, expected: number, slack: number) => {
      const seen = `${what}: ${actual}, expected ${expected} ± ${slack}; ${JSON.stringify([...tables])}, ${fetches.length} fetches, ${heartbeats.length} heartbeats`;
      expect(actual, seen).toBeGreaterThanOrEqual(expected - slack);
      expect(actual, seen).toBeLessThanOrEqual(expected + slack);
    };
    within('head reads', tables.get('GetItemCommand log') ?? 0, 6 * fetches.length, 6 * 2);
    within('group reads', tables.get('QueryCommand groups') ?? 0, heartbeats.length, 2);
    within('group writes', tables.get('UpdateItemCommand groups') ?? 0, heartbeats.length, 2);
    const writes = [...dynamo].filter(([command]) => /^(Put|Update|Delete|BatchWrite)/.test(command));
    expect(writes.map(([command]) => command)).toEqual(heartbeats.length || tables.get('UpdateItemCommand groups') ? ['UpdateItemCommand'] : []);
    expect([...tables.keys()].filter((k) => !['GetItemCommand log', 'QueryCommand groups', 'UpdateItemCommand groups', 'GetItemCommand topics'].includes(k))).toEqual([]);
    // The topic lookup is cached for a second per server process.
    expect(tables.get('GetItemCommand topics') ?? 0).toBeLessThanOrEqual(Math.ceil(windowMs / 1000) + 1 + wakeLookups.length);
    expect([...s3]).toEqual([]);
  });
});
