/** Calls the Runnel HTTP API and returns the parsed JSON body; any status but the expected one throws with the body. A byte body is sent as CBOR. */
export async function callApi<T>(url: string, init: { method?: string; body?: string | Uint8Array } = {}, expected = 200): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    // A produce body may be CBOR, as the client sends it (bench/workload.ts).
    ...(init.body !== undefined ? { body: init.body, headers: { 'content-type': typeof init.body === 'string' ? 'application/json' : 'application/cbor' } } : {}),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

export async function createTopic(baseUrl: string, name: string, partitions: number): Promise<void> {
  await callApi(`${baseUrl}/v1/topics`, { method: 'POST', body: JSON.stringify({ name, partitions }) }, 201);
}

export async function highWatermarks(baseUrl: string, topic: string): Promise<number[]> {
  const d = await callApi<{ partitionStates: Array<{ partition: number; highWatermark: number }> }>(`${baseUrl}/v1/topics/${topic}`);
  return d.partitionStates.map((s) => s.highWatermark);
}
