import { describe, expect, it } from 'vitest';
import { RunnelApi } from '../../lib/client/api.js';
import { HttpClient, type HttpClientOptions } from '../../lib/client/http.js';
import { WakeChannel, type OpenSocket } from '../../lib/client/wake-channel.js';

/** A server that answers the wake-channel lookup with `url`, counting lookups. */
function api(url: string | null, more: Partial<HttpClientOptions> = {}) {
  const lookups: string[] = [];
  const fetch = (async (input: URL) => {
    lookups.push(new URL(String(input)).pathname);
    return new Response(JSON.stringify({ url }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { api: new RunnelApi(new HttpClient({ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com', fetch, ...more })), lookups };
}

/** Sockets that the test opens, messages and closes by hand. */
function fakeSockets() {
  const opened: Array<{ url: string; socket: any; closed: boolean }> = [];
  const open: OpenSocket = (url) => {
    const entry = { url, closed: false, socket: undefined as any };
    entry.socket = { onopen: null, onmessage: null, onclose: null, onerror: null, close: () => void (entry.closed = true) };
    opened.push(entry);
    return entry.socket;
  };
  return { opened, open: async () => open };
}

const events = () => {
  const seen: string[] = [];
  return { seen, handlers: { woken: (t: string) => void seen.push(`woken ${t}`), ended: (t: string) => void seen.push(`ended ${t}`) } };
};

describe('the wake channel of an idle consumer', () => {
  it('without a WebSocket (Node 20 without ws) it says to poll, and asks the server nothing', async () => {
    const { api: client, lookups } = api('wss://x.example.com/live');
    const channel = new WakeChannel(client, events().handlers, async () => undefined);
    expect(await channel.arm(new Map([['orders', [0, 1]]]))).toBeUndefined();
    expect(lookups).toEqual([]);
  });

  it('against a server without a wake channel it says to poll, and asks again only after its back-off', async () => {
    const { api: client, lookups } = api(null);
    const sockets = fakeSockets();
    const channel = new WakeChannel(client, events().handlers, sockets.open);
    expect(await channel.arm(new Map([['orders', [0]]]))).toBeUndefined();
    expect(await channel.arm(new Map([['orders', [0]]]))).toBeUndefined();
    expect(lookups).toEqual(['/v1/topics/orders/wake']);
    expect(sockets.opened).toEqual([]);
  });

  it('opens a socket presigned with SigV4 for the partitions it fetches, and answers the tick it opened at', async () => {
    const { api: client } = api('wss://ws123.execute-api.eu-west-1.amazonaws.com/live?topic=orders', {
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    const sockets = fakeSockets();
    const channel = new WakeChannel(client, events().handlers, sockets.open);
    const before = channel.tick();
    const arming = channel.arm(new Map([['orders', [3, 1]]]));
    // The signer's packages load on first use.
    for (let i = 0; i < 200 && !sockets.opened.length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(sockets.opened).toHaveLength(1);
    const url = new URL(sockets.opened[0]!.url);
    expect(url.host).toBe('ws123.execute-api.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('topic')).toBe('orders');
    expect(url.searchParams.get('partitions')).toBe('1,3');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('token');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    sockets.opened[0]!.socket.onopen({});
    const openedAt = await arming;
    expect(openedAt).toBeGreaterThan(before);
    // Armed again with the same partitions: the same socket, no new one.
    expect(await channel.arm(new Map([['orders', [1, 3]]]))).toBe(openedAt);
    expect(sockets.opened).toHaveLength(1);
    channel.close();
  });

  it('a wake message ends the socket as woken; a socket that drops without one reports ended; other partitions close it', async () => {
    const { api: client } = api('ws://127.0.0.1:1/v1/topics/orders/wake');
    const sockets = fakeSockets();
    const { seen, handlers } = events();
    const channel = new WakeChannel(client, handlers, sockets.open);
    const arm = async (partitions: number[]) => {
      const arming = channel.arm(new Map([['orders', partitions]]));
      await new Promise((r) => setTimeout(r, 20));
      sockets.opened.at(-1)!.socket.onopen?.({});
      return arming;
    };
    await arm([0]);
    sockets.opened[0]!.socket.onmessage({ data: JSON.stringify({ topic: 'elsewhere', partitions: [0] }) });
    expect(seen).toEqual([]);
    sockets.opened[0]!.socket.onmessage({ data: JSON.stringify({ topic: 'orders', partitions: [0] }) });
    expect(seen).toEqual(['woken orders']);
    expect(sockets.opened[0]!.closed).toBe(true);
    // The server's close after the wake is not a second event.
    sockets.opened[0]!.socket.onclose({});
    expect(seen).toEqual(['woken orders']);

    await arm([0]);
    sockets.opened[1]!.socket.onclose({});
    expect(seen).toEqual(['woken orders', 'ended orders']);

    await arm([0]);
    // The member now holds other partitions: the old socket is closed, quietly, and another opened.
    await arm([0, 1]);
    expect(sockets.opened[2]!.closed).toBe(true);
    expect(new URL(sockets.opened[3]!.url).searchParams.get('partitions')).toBe('0,1');
    expect(seen).toEqual(['woken orders', 'ended orders']);
    channel.close();
    expect(sockets.opened[3]!.closed).toBe(true);
  });
});
