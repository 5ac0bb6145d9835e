import { Agent, request } from 'node:http';

/**
 * One keep-alive connection pool for the bench's calls. The load generator stands for producers on
 * other machines: on AWS their CPU is not shared with the function or with S3 and DynamoDB, so its
 * HTTP client should take as little of the bench's two cores as it can. With Node's `fetch` (undici)
 * the load generator spent 1.4-2.4 ms of CPU per 104 KB produce request; on `node:http` with a
 * kept-alive socket, 0.34-0.54 ms (the produce section, 19:13Z and 19:22Z on 2026-11-24).
 */
const agent = new Agent({ keepAlive: true });

/** Calls the Runnel HTTP API and returns the parsed JSON body; any status but the expected one throws with the body. A byte body is sent as CBOR. */
export async function callApi<T>(url: string, init: { method?: string; body?: string | Uint8Array } = {}, expected = 200): Promise<T> {
  const method = init.method ?? 'GET';
  const { status, text } = await exchange(url, method, init.body);
  if (status !== expected) throw new Error(`${method} ${new URL(url).pathname}: HTTP ${status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

function exchange(url: string, method: string, body: string | Uint8Array | undefined): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  if (target.protocol !== 'http:') throw new Error(`the bench calls plain-HTTP servers only: ${url}`);
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string | number> = {};
  if (payload) {
    // A produce body may be CBOR, as the client sends it (bench/workload.ts).
    headers['content-type'] = typeof body === 'string' ? 'application/json' : 'application/cbor';
    headers['content-length'] = payload.byteLength;
  }
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function createTopic(baseUrl: string, name: string, partitions: number): Promise<void> {
  await callApi(`${baseUrl}/v1/topics`, { method: 'POST', body: JSON.stringify({ name, partitions }) }, 201);
}

export async function highWatermarks(baseUrl: string, topic: string): Promise<number[]> {
  const d = await callApi<{ partitionStates: Array<{ partition: number; highWatermark: number }> }>(`${baseUrl}/v1/topics/${topic}`);
  return d.partitionStates.map((s) => s.highWatermark);
}
