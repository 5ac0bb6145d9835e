import { describe, expect, it } from 'vitest';
import { Runnel } from '../../lib/client/index.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const lease = (handoff: boolean) => ({ topic: 't', partition: 0, epoch: 1, topicId: 'x', committedOffset: 0, handoff });
const answer = (assignments: unknown[]) => json(200, { memberId: 'm', sessionTimeoutMs: 30_000, assignments, pending: [] });

/**
 * A stand-in for the groups API that scripts one race: a heartbeat sent while the consumer releases a
 * partition it was asked to hand off, answered (as computed before the release) only after it.
 */
function racingServer() {
  const events: string[] = [];
  let heartbeats = 0;
  let releaseArrived!: () => void;
  const releaseSeen = new Promise<void>((r) => (releaseArrived = r));
  let heartbeatDuringRelease!: () => void;
  const secondHeartbeatSent = new Promise<void>((r) => (heartbeatDuringRelease = r));
  let releaseAnswered!: () => void;
  const released = new Promise<void>((r) => (releaseAnswered = r));
  const fetch = (async (input: URL, init: RequestInit) => {
    const url = new URL(String(input));
    const path = url.pathname;
    if (path === '/v1/groups/g/members') return answer([lease(false)]);
    if (path.endsWith('/heartbeat')) {
      heartbeats++;
      if (heartbeats === 1) return answer([lease(true)]);
      if (heartbeats === 2) {
        heartbeatDuringRelease();
        // Computed before the release (the target had flipped back), delivered after it.
        await released;
        await new Promise((r) => setTimeout(r, 20));
        return answer([lease(false)]);
      }
      return answer([]);
    }
    if (path.endsWith('/release')) {
      releaseArrived();
      await secondHeartbeatSent;
      events.push('released');
      releaseAnswered();
      return json(200, { released: [{ topic: 't', partition: 0 }] });
    }
    if (path.endsWith('/fetch')) {
      const { partitions } = JSON.parse(String(init.body)) as { partitions: Array<{ partition: number; offset: number }> };
      await new Promise((r) => setTimeout(r, 5));
      const result = ({ partition, offset }: { partition: number; offset: number }) => ({
        partition,
        records: [{ partition, offset, timestamp: 0, key: null, value: offset, headers: {} }],
        nextOffset: offset + 1,
        highWatermark: 1000,
        logStartOffset: 0,
      });
      return json(200, { topicId: 'x', partitions: partitions.map(result) });
    }
    if (path.endsWith('/commits')) return json(200, { committed: [] });
    if (init.method === 'DELETE') return json(200, { released: [] });
    return json(200, {});
  }) as unknown as typeof globalThis.fetch;
  return { fetch, events, releaseSeen, released, heartbeatCount: () => heartbeats };
}

describe('consumer handoff', () => {
  it('a heartbeat answer computed before a release does not start the released partition again', async () => {
    const server = racingServer();
    const consumer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).consumer({ groupId: 'g', memberId: 'm', heartbeatInterval: 30, autoCommitInterval: 0 });
    await consumer.subscribe({ topic: 't' });
    await consumer.run({ eachMessage: async ({ message }) => void server.events.push(`record ${message.offset}`) });
    await server.released;
    // Wait for the late answer to be applied, and a few more rounds.
    while (server.heartbeatCount() < 5) await new Promise((r) => setTimeout(r, 10));
    await consumer.disconnect();
    const after = server.events.slice(server.events.indexOf('released') + 1);
    expect(after).toEqual([]);
  });
});
