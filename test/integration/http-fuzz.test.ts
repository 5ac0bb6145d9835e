import fc from 'fast-check';
import { METHODS as NODE_METHODS, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/http/app.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { rawRequest } from '../support/raw-http.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/**
 * The HTTP fuzzer: generated requests on every route, most through the app in process and some over a
 * real socket (raw bytes, big bodies, Host headers), against the real emulators. The oracle:
 * - no 5xx but the documented 503;
 * - every 4xx has a JSON error body `{"error":{"code","message"}}`, except the bodiless 400 and 431
 *   that Node's own HTTP parser sends for requests it cannot parse (documented in the README);
 * - no request hangs;
 * - a rejected produce changes no high watermark, and an accepted one reads back exactly, from a
 *   second instance with nothing cached.
 */

/** Generated requests per backend: in process, and over a socket. Both backends make one run's total. */
const IN_PROCESS_RUNS = 5_000;
const SOCKET_RUNS = 400;
const TOPIC = 'fz';
const PARTITIONS = 3;
const HANG_MS = 15_000;
/** What vitest allows each test: the default minute is short for thousands of requests on a loaded machine. */
const TEST_TIMEOUT_MS = 300_000;

interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

// ---- generators ------------------------------------------------------------------------------

/** Percent-encodes any string; a lone surrogate, which encodeURIComponent refuses, goes as the bytes of an unpaired UTF-8 surrogate. */
const pct = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[^]/gu, (ch) => {
    if (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff') {
      const c = ch.charCodeAt(0);
      return `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    }
    return encodeURIComponent(ch);
  });

const oddStrings = fc.constantFrom('', ' ', '\ufeff', '\ufeffk', '\ud800', 'a\udc00', '__proto__', 'constructor', '\u0000', '\u001f', '"', '\\', '..', '.', 'é', '😀', '\u2028', 'x'.repeat(300));
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 2, arbitrary: oddStrings },
);
const base64 = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('AB==', 'AAE', '****', 'QQ==\n', '', '=', 'AAAA===='),
);
const deep = (max: number) => fc.integer({ min: 0, max }).map((d) => JSON.parse('['.repeat(d) + '1' + ']'.repeat(d)) as unknown);

const record = fc.record(
  {
    key: fc.oneof(text, base64, fc.constant(null), fc.integer()),
    keyEncoding: fc.constantFrom('utf8', 'base64', 'hex'),
    value: fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: deep(104) }, { weight: 1, arbitrary: base64 }, { weight: 1, arbitrary: text }),
    valueEncoding: fc.constantFrom('json', 'base64', 'utf8'),
    headers: fc.oneof({ weight: 5, arbitrary: fc.dictionary(fc.oneof(text, fc.constant('__proto__')), text, { maxKeys: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    partition: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: PARTITIONS - 1 }) }, { weight: 1, arbitrary: fc.constantFrom(PARTITIONS, -1, 1.5, 2 ** 53, '0') }),
    timestamp: fc.oneof(fc.nat(), fc.constantFrom(-1, 0, 8.64e15, 8.64e15 + 1, 1.5, '5')),
    junk: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
).map(({ junk, ...r }) => (Math.abs(JSON.stringify(r).length % 13) === 0 ? { ...r, junk } : r));

/** Text a record may carry as it is: no lone surrogates (which UTF-8 cannot hold, and produce refuses). */
const wellFormedText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('', '\ufeff', '\ufeffk', '__proto__', '\u0000', '"', '\\', 'é', '😀', '\u2028'));
/** A record produce must accept, so that the read-back half of the oracle sees many. */
const validRecord = fc.record(
  {
    key: fc.oneof(wellFormedText, fc.constant(null)),
    value: fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: deep(99) }),
    headers: fc.dictionary(fc.oneof(wellFormedText, fc.constant('__proto__')), wellFormedText, { maxKeys: 3 }),
    partition: fc.integer({ min: 0, max: PARTITIONS - 1 }),
    timestamp: fc.nat(),
  },
  { requiredKeys: ['value'] },
);
const validBinaryRecord = fc.record(
  {
    key: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
    keyEncoding: fc.constant('base64'),
    value: fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), fc.constant(null)),
    valueEncoding: fc.constant('base64'),
    partition: fc.integer({ min: 0, max: PARTITIONS - 1 }),
  },
  { requiredKeys: ['value', 'valueEncoding'] },
);

/** The producer part is resolved against the model when the request is sent: which id, and how far off its sequences are. */
const producerPlan = fc.option(fc.record({ id: fc.nat(2), skew: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }) }), { freq: 3 });

const produceBody = fc.record({
  records: fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: validRecord }, { weight: 1, arbitrary: validBinaryRecord }), { minLength: 1, maxLength: 5 }) },
    { weight: 2, arbitrary: fc.array(fc.oneof(validRecord, record), { minLength: 0, maxLength: 5 }) },
  ),
  producer: producerPlan,
});

const topicSegment = fc.oneof(
  { weight: 8, arbitrary: fc.constant(TOPIC) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z0-9._-]{1,30}$/) },
  { weight: 2, arbitrary: fc.constantFrom('.', '..', '%2e%2e', '%2F', 'a%2Fb', '%00', '%ff', '%', 'a%zz', 'x'.repeat(250), 'y'.repeat(3000), '%20', 'é', '😀', '%F0%9F%98%80', 'a\\b') },
  { weight: 1, arbitrary: text.map(pct) },
);
const partitionSegment = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: PARTITIONS - 1 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom(String(PARTITIONS), '-1', '01', '1e0', 'x', '%20', '9007199254740993', '1.0', '0x1') },
  { weight: 1, arbitrary: fc.nat().map(String) },
);
const groupSegment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('g1', 'g2') }, { weight: 1, arbitrary: topicSegment });
const memberSegment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('m1', 'm2') }, { weight: 1, arbitrary: topicSegment });

const numberText = fc.oneof(
  fc.nat({ max: 40 }).map(String),
  fc.constantFrom('-1', '1.5', 'abc', '', '1e3', '0x10', ' 1', '99999999999999999999', '4194304', '4194305', '10000', '10001', '20000', '20001', '٣'),
);
const fetchQuery = fc.record(
  { offset: numberText, limit: numberText, maxBytes: numberText, waitMs: fc.constantFrom('0', '1', '5', '-1', 'x', '20001'), junk: text },
  { requiredKeys: [] },
);
const offsetsQuery = fc.record({ timestamp: numberText, spec: fc.constantFrom('earliest', 'latest', 'middle', ''), junk: text }, { requiredKeys: [] });
const anyQuery = fc.dictionary(text, text, { maxKeys: 3 });

/** A multi-partition fetch: mostly near-valid, with waits short enough not to hold the fuzzer up. */
const numberish = (min: number, max: number) => fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.jsonValue() });
const multiFetchBody = fc.oneof(
  fc.record(
    {
      partitions: fc.oneof(
        fc.array(fc.record({ partition: numberish(-1, PARTITIONS + 1), offset: numberish(-1, 1000), junk: text }, { requiredKeys: ['partition', 'offset'] }), { maxLength: 6 }),
        fc.jsonValue(),
      ),
      limit: numberish(-1, 10_001),
      maxBytes: numberish(-1, 4 * 1024 * 1024 + 1),
      waitMs: fc.constantFrom<unknown>(0, 1, 5, -1, 20_001, 1.5, '5', null),
    },
    { requiredKeys: ['partitions'] },
  ),
  fc.jsonValue(),
);
const groupBody = fc.oneof(
  fc.record(
    {
      topics: fc.oneof(fc.constant([TOPIC]), fc.array(text, { maxLength: 3 }), fc.jsonValue()),
      sessionTimeoutMs: fc.oneof(fc.constantFrom(999, 1000, 6000, 300_001), fc.jsonValue()),
      memberId: fc.oneof(fc.constantFrom('m1', 'm2'), text),
      clientId: text,
      offsets: fc.array(fc.record({ topic: fc.oneof(fc.constant(TOPIC), text), partition: fc.integer({ min: -1, max: 4 }), epoch: fc.integer({ min: -1, max: 3 }), offset: fc.integer({ min: -1, max: 50 }) }), { maxLength: 3 }),
      partitions: fc.jsonValue({ maxDepth: 2 }),
      topic: fc.oneof(fc.constant(TOPIC), text),
      to: fc.constantFrom('earliest', 'latest', 'timestamp', 'offset', 'x'),
      timestamp: fc.oneof(fc.nat(), fc.constant(-1)),
      offset: fc.integer({ min: -1, max: 50 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
const topicBody = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/).map((s) => `fz-${s}`), text),
      partitions: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constantFrom(1001, 1.5, '2')),
      config: fc.oneof(fc.dictionary(fc.constantFrom('retention.ms', 'retention.bytes', 'cleanup.policy', 'max.message.bytes', 'compression.type', 'message.timestamp.after.max.ms', 'delete.retention.ms', 'min.cleanable.dirty.ratio', 'x'), fc.oneof(fc.jsonValue(), numberText)), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

type ProducePlan = typeof produceBody extends fc.Arbitrary<infer T> ? T : never;
type BodyPlan = { kind: 'none' } | { kind: 'produce'; body: ProducePlan } | { kind: 'text'; text: string } | { kind: 'bytes'; bytes: Uint8Array };

const junkBody: fc.Arbitrary<BodyPlan> = fc.oneof(
  fc.constant<BodyPlan>({ kind: 'none' }),
  fc.jsonValue().map((v): BodyPlan => ({ kind: 'text', text: JSON.stringify(v) })),
  fc.constantFrom('', ' ', '{', 'null', '[]', '{}', '"x"', '{"records":', '\ufeff{}').map((t): BodyPlan => ({ kind: 'text', text: t })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((t): BodyPlan => ({ kind: 'text', text: t })),
  fc.uint8Array({ maxLength: 40 }).map((b): BodyPlan => ({ kind: 'bytes', bytes: b })),
  fc.integer({ min: 90, max: 20_000 }).map((d): BodyPlan => ({ kind: 'text', text: `{"records":[{"value":${'['.repeat(d)}${']'.repeat(d)}}]}` })),
);
const jsonBodyOf = <T>(arb: fc.Arbitrary<T>) => arb.map((v): BodyPlan => ({ kind: 'text', text: JSON.stringify(v) }));

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | undefined>(undefined, 'text/plain', 'application/json; charset=utf-16', 'application/json; charset=UTF-8', 'application/x-www-form-urlencoded', 'APPLICATION/JSON', 'application/jsonx', '', 'application/json;charset="utf-8"'),
  },
);
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'];

interface RequestPlan {
  method: string;
  path: string;
  query: Record<string, string>;
  body: BodyPlan;
  contentType: string | undefined;
}

const route = (method: string, path: fc.Arbitrary<string>, query: fc.Arbitrary<Record<string, string>>, body: fc.Arbitrary<BodyPlan>) =>
  fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path,
    query,
    body,
    contentType,
  });
const noQuery = fc.constant<Record<string, string>>({});
const noBody = fc.oneof({ weight: 9, arbitrary: fc.constant<BodyPlan>({ kind: 'none' }) }, { weight: 1, arbitrary: junkBody });
const t = topicSegment;

const anyRequestPlan: fc.Arbitrary<RequestPlan> = fc.oneof(
  { weight: 2, arbitrary: route('GET', fc.constant('/v1/topics'), fc.oneof(noQuery, anyQuery), noBody) },
  { weight: 2, arbitrary: route('POST', fc.constant('/v1/topics'), noQuery, fc.oneof(jsonBodyOf(topicBody), junkBody)) },
  { weight: 2, arbitrary: route('GET', t.map((s) => `/v1/topics/${s}`), noQuery, noBody) },
  // Never the fuzzed topic itself: its high watermarks are the model.
  { weight: 1, arbitrary: route('DELETE', t.filter((s) => s !== TOPIC).map((s) => `/v1/topics/${s}`), noQuery, noBody) },
  {
    weight: 10,
    arbitrary: route(
      'POST',
      t.map((s) => `/v1/topics/${s}/records`),
      noQuery,
      fc.oneof({ weight: 5, arbitrary: produceBody.map((body): BodyPlan => ({ kind: 'produce', body })) }, { weight: 1, arbitrary: junkBody }),
    ),
  },
  { weight: 4, arbitrary: route('GET', fc.tuple(t, partitionSegment).map(([s, p]) => `/v1/topics/${s}/partitions/${p}/records`), fetchQuery, noBody) },
  { weight: 2, arbitrary: route('GET', fc.tuple(t, partitionSegment).map(([s, p]) => `/v1/topics/${s}/partitions/${p}/offsets`), offsetsQuery, noBody) },
  { weight: 3, arbitrary: route('POST', t.map((s) => `/v1/topics/${s}/fetch`), noQuery, fc.oneof(jsonBodyOf(multiFetchBody), junkBody)) },
  { weight: 1, arbitrary: route('GET', fc.constant('/v1/groups'), noQuery, noBody) },
  { weight: 1, arbitrary: route('GET', groupSegment.map((g) => `/v1/groups/${g}`), noQuery, noBody) },
  { weight: 1, arbitrary: route('DELETE', groupSegment.map((g) => `/v1/groups/${g}`), noQuery, noBody) },
  ...(['offsets', 'commits', 'members'] as const).map((what) => ({
    weight: 2,
    arbitrary: route('POST', groupSegment.map((g) => `/v1/groups/${g}/${what}`), noQuery, fc.oneof(jsonBodyOf(groupBody), junkBody)),
  })),
  { weight: 2, arbitrary: route('POST', fc.tuple(groupSegment, memberSegment).map(([g, m]) => `/v1/groups/${g}/members/${m}/heartbeat`), noQuery, noBody) },
  { weight: 1, arbitrary: route('POST', fc.tuple(groupSegment, memberSegment).map(([g, m]) => `/v1/groups/${g}/members/${m}/release`), noQuery, fc.oneof(jsonBodyOf(groupBody), junkBody)) },
  { weight: 1, arbitrary: route('DELETE', fc.tuple(groupSegment, memberSegment).map(([g, m]) => `/v1/groups/${g}/members/${m}`), noQuery, fc.oneof(noBody, jsonBodyOf(groupBody))) },
  { weight: 1, arbitrary: route('GET', fc.constantFrom('/openapi.json', '/health'), noQuery, noBody) },
  { weight: 1, arbitrary: route('GET', fc.array(text.map(pct), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`), anyQuery, noBody) },
);
/** Any request but the deletion of the fuzzed topic, whose high watermarks are the model. */
const requestPlan = anyRequestPlan.map((p) => (p.method === 'DELETE' && p.path === `/v1/topics/${TOPIC}` ? { ...p, method: 'GET' } : p));

// ---- the model and the oracle -----------------------------------------------------------------

interface SentProduce {
  records: Array<Record<string, unknown>>;
  producer?: { id: string; sequences: Record<string, number> };
}

class Model {
  readonly highWatermarks = new Array<number>(PARTITIONS).fill(0);
  /** Next sequence per producer id and partition. */
  readonly sequences = new Map<string, number[]>();

  producerFor(plan: { id: number; skew: number } | null, records: Array<Record<string, unknown>>): SentProduce['producer'] {
    if (!plan) return undefined;
    const id = `fz-producer-${plan.id}`;
    const next = this.sequences.get(id) ?? new Array<number>(PARTITIONS).fill(0);
    this.sequences.set(id, next);
    const partitions = new Set(records.map((r) => r.partition).filter((p): p is number => Number.isInteger(p) && (p as number) >= 0 && (p as number) < PARTITIONS));
    return { id, sequences: Object.fromEntries([...partitions].map((p) => [String(p), Math.max(0, next[p]! + plan.skew)])) };
  }

  /**
   * An accepted produce: each partition's batch was appended at the high watermark, or (a producer's
   * retry of its last batch in that partition) was a duplicate answered with the original offsets.
   * Returns the partitions appended to.
   */
  accepted(sent: SentProduce, offsets: Array<{ partition: number; offset: number }>): Set<number> {
    const appended = new Set<number>();
    for (const partition of new Set(offsets.map((o) => o.partition))) {
      const mine = offsets.filter((o) => o.partition === partition);
      if (mine[0]!.offset < this.highWatermarks[partition]!) {
        expect(sent.producer, `offsets below the high watermark for a produce without a producer: ${JSON.stringify(offsets)}`).toBeDefined();
        continue;
      }
      appended.add(partition);
      this.highWatermarks[partition]! += mine.length;
      // The server keeps a producer's first sequence per batch and accepts any later one: gaps are allowed.
      if (sent.producer) this.sequences.get(sent.producer.id)![partition] = sent.producer.sequences[String(partition)]! + mine.length;
    }
    return appended;
  }
}

function encodeBody(plan: BodyPlan, model: Model): { bytes: Uint8Array | undefined; sent?: SentProduce } {
  switch (plan.kind) {
    case 'none':
      return { bytes: undefined };
    case 'text':
      return { bytes: Buffer.from(plan.text, 'utf8') };
    case 'bytes':
      return { bytes: plan.bytes };
    case 'produce': {
      const sent: SentProduce = { records: plan.body.records };
      const producer = model.producerFor(plan.body.producer, plan.body.records);
      if (producer) sent.producer = producer;
      return { bytes: Buffer.from(JSON.stringify(sent), 'utf8'), sent };
    }
  }
}

const queryString = (q: Record<string, string>) => {
  const entries = Object.entries(q);
  return entries.length ? `?${entries.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}` : '';
};

function withDeadline<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms: ${what}`)), HANG_MS)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The oracle for any answer: no 5xx but 503, and a JSON error body on every 4xx (a HEAD answer has no body at all). */
function checkAnswer(what: string, method: string, answer: Answer, statuses?: Map<number, number>): any {
  statuses?.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  expect(answer.status >= 500 && answer.status !== 503, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`).toBe(false);
  if (method === 'HEAD' || answer.status === 204) return undefined;
  expect(answer.contentType ?? '', `${what} → ${answer.status} without a JSON body`).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text);
  if (answer.status >= 400) {
    expect(typeof body.error?.code, `${what} → ${answer.text.slice(0, 300)}`).toBe('string');
    expect(typeof body.error?.message, `${what} → ${answer.text.slice(0, 300)}`).toBe('string');
  }
  return body;
}

/** What a fetch must return for a produced record: the same key, value, headers and encodings. */
function expectedWire(r: Record<string, any>) {
  return JSON.stringify({
    key: r.key ?? null,
    value: r.value,
    headers: Object.fromEntries(Object.entries(r.headers ?? {})),
    keyEncoding: r.keyEncoding === 'base64' ? 'base64' : undefined,
    valueEncoding: r.valueEncoding === 'base64' ? 'base64' : undefined,
    timestamp: r.timestamp,
  });
}
const actualWire = (r: any, sent: Record<string, any>) =>
  JSON.stringify({ key: r.key, value: r.value, headers: r.headers, keyEncoding: r.keyEncoding, valueEncoding: r.valueEncoding, timestamp: sent.timestamp === undefined ? undefined : r.timestamp });

describe.each(BACKENDS)('HTTP fuzzer (%s)', (backend) => {
  let stack: TestStack;
  let reader: TestStack;
  let served: ServedRunnel;
  const model = new Model();
  let sent = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    stack = await createTestStack(backend);
    reader = stack.another();
    served = await serveRunnel(stack.runnel);
    expect((await stack.request('POST', '/v1/topics', { name: TOPIC, partitions: PARTITIONS, config: { 'max.message.bytes': 4 * 1024 * 1024 } })).status).toBe(201);
  });
  afterAll(async () => {
    await served.close();
    const counts = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    console.log(`HTTP fuzzer (${backend}): ${sent} generated requests; answers ${counts.join(' ')}; high watermarks ${model.highWatermarks.join(', ')}`);
  });

  async function actualHighWatermarks(): Promise<number[]> {
    const res = await reader.request('GET', `/v1/topics/${TOPIC}`);
    return res.body.partitionStates.map((s: any) => s.highWatermark);
  }

  /** Refused produces since the high watermarks were last compared with the model. */
  let refusedSinceCheck: string[] = [];
  async function checkHighWatermarks() {
    expect(await actualHighWatermarks(), `one of these refused produces wrote:\n${refusedSinceCheck.join('\n')}`).toEqual(model.highWatermarks);
    refusedSinceCheck = [];
  }

  /**
   * After a produce to the fuzzed topic: if refused, nothing was written (compared with the model every
   * 20 refusals, and at the end: the model is exact, so a stray write is always caught); if accepted,
   * every record reads back exactly (checked every 50 records, and at the end).
   */
  async function checkProduce(what: string, status: number, body: any, produce: SentProduce | undefined) {
    if (status !== 200 || !produce) {
      refusedSinceCheck.push(what.slice(0, 500));
      if (refusedSinceCheck.length >= 20) await checkHighWatermarks();
      return;
    }
    const offsets: Array<{ partition: number; offset: number }> = body.offsets;
    expect(offsets).toHaveLength(produce.records.length);
    const before = [...model.highWatermarks];
    const appended = model.accepted(produce, offsets);
    for (const [i, o] of offsets.entries()) {
      if (!appended.has(o.partition)) continue;
      const expected = before[o.partition]! + offsets.slice(0, i).filter((p) => p.partition === o.partition).length;
      expect(o.offset, `offset of records[${i}]: ${what}\nafter these refused produces:\n${refusedSinceCheck.join('\n')}`).toBe(expected);
    }
    for (const [i, o] of offsets.entries()) if (appended.has(o.partition)) unread.push({ ...o, record: produce.records[i]!, what: `records[${i}] of ${what}` });
    if (unread.length >= 50) await readBack();
  }

  /** Accepted records not yet read back; they are read a few pages at a time, which costs far less than a fetch per produce. */
  let unread: Array<{ partition: number; offset: number; record: Record<string, unknown>; what: string }> = [];
  async function readBack() {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const mine = unread.filter((u) => u.partition === partition).sort((a, b) => a.offset - b.offset);
      let k = 0;
      while (k < mine.length) {
        const res = await reader.request('GET', `/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${mine[k]!.offset}&limit=10000&maxBytes=4194304`);
        expect(res.status).toBe(200);
        expect(res.body.records.length).toBeGreaterThan(0);
        const byOffset = new Map<number, any>(res.body.records.map((r: any) => [r.offset, r]));
        for (; k < mine.length && mine[k]!.offset < res.body.nextOffset; k++) {
          const u = mine[k]!;
          expect(byOffset.has(u.offset), `read back: ${u.what}`).toBe(true);
          expect(actualWire(byOffset.get(u.offset), u.record), `read back: ${u.what}`).toBe(expectedWire(u.record));
        }
      }
    }
    unread = [];
  }

  it(`answers ${IN_PROCESS_RUNS} generated requests in process within the oracle`, async () => {
    const app = createApp(stack.runnel);
    await fc.assert(
      fc.asyncProperty(requestPlan, async (plan) => {
        const { bytes, sent: produce } = encodeBody(plan.body, model);
        const url = `${plan.path}${queryString(plan.query)}`;
        const headers: Record<string, string> = {};
        if (plan.contentType !== undefined) headers['content-type'] = plan.contentType;
        // As a real client does: the length of what it sends.
        if (bytes !== undefined) headers['content-length'] = String(bytes.byteLength);
        const what = `${plan.method} ${url.slice(0, 200)} ${bytes ? Buffer.from(bytes).toString('utf8').slice(0, 300) : ''}`;
        const canHaveBody = plan.method !== 'GET' && plan.method !== 'HEAD';
        sent++;
        const res = await withDeadline(what, Promise.resolve(app.request(url, { method: plan.method, headers, body: canHaveBody ? bytes : undefined })));
        const answer: Answer = { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
        const body = checkAnswer(what, plan.method, answer, statuses);
        if (plan.method === 'POST' && plan.path === `/v1/topics/${TOPIC}/records`) {
          // A junk body can happen to be a valid produce: then it is what was sent.
          await checkProduce(what, answer.status, body, produce ?? (answer.status === 200 ? JSON.parse(Buffer.from(bytes!).toString('utf8')) : undefined));
        }
      }),
      { numRuns: IN_PROCESS_RUNS },
    );
    await checkHighWatermarks();
    await readBack();
  }, TEST_TIMEOUT_MS);

  const anyRawPlan = fc.record({
    method: fc.constantFrom(...METHODS, 'BREW', 'get'),
    target: fc.oneof(
      requestPlan.map((p) => `${p.path}${queryString(p.query)}`),
      fc.constantFrom('/v1/topics/a\\b', '*', 'http://x/v1/topics', '//v1//topics', '/v1/topics/%', '/v1/topics/é', '/v1/topics/\u00ff', '/v1/topics?offset=\u0001', `/v1/topics/${'z'.repeat(20_000)}`),
    ),
    host: fc.oneof(fc.constantFrom('127.0.0.1', 'localhost:1', 'a b', '', 'x:99999', '[::1]', 'é', '%', 'evil.example'), text),
    extraHeader: fc.oneof(fc.constant(''), fc.constantFrom(`x-big: ${'h'.repeat(17_000)}\r\n`, 'x-bad\u0001: 1\r\n', 'no-colon\r\n', 'transfer-encoding: chunked\r\n', 'content-length: abc\r\n', 'content-length: 1\r\ncontent-length: 2\r\n')),
    body: fc.oneof(fc.constant(''), jsonBodyOf(produceBody.map((b) => ({ records: b.records }))).map((b) => (b as { text: string }).text), fc.string({ unit: 'binary', maxLength: 30 })),
    contentType,
  });

  /** Any raw request but the deletion of the fuzzed topic. */
  const rawPlan = anyRawPlan.map((p) => (p.method === 'DELETE' && p.target.split('?')[0] === `/v1/topics/${TOPIC}` ? { ...p, method: 'GET' } : p));

  /** Whether Node's parser (not Runnel) may refuse this request with a bodiless 400 or 431. */
  const nodeMayRefuse = (request: string) =>
    /[^\x20-\x7e\t]/.test(request.slice(0, request.indexOf('\r\n\r\n')).replaceAll('\r\n', '')) ||
    request.length > 16_000 ||
    /no-colon|content-length: abc|content-length: 1\r\ncontent-length|x-bad/.test(request) ||
    !NODE_METHODS.includes(request.slice(0, request.indexOf(' ')));

  it(`answers ${SOCKET_RUNS} generated raw requests over a socket, and bodies from 0 bytes to over 6 MiB`, async () => {
    await fc.assert(
      fc.asyncProperty(rawPlan, async (p) => {
        const chunked = p.extraHeader.includes('chunked');
        const payload = Buffer.from(p.body, 'utf8');
        const body = chunked ? Buffer.concat([Buffer.from(payload.byteLength ? `${payload.byteLength.toString(16)}\r\n` : ''), payload, Buffer.from(payload.byteLength ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]) : payload;
        let head = `${p.method} ${p.target} HTTP/1.1\r\nhost: ${p.host}\r\nconnection: close\r\n${p.extraHeader}`;
        if (p.contentType !== undefined) head += `content-type: ${p.contentType}\r\n`;
        if (!/content-length|transfer-encoding/.test(p.extraHeader)) head += `content-length: ${body.byteLength}\r\n`;
        const request = `${head}\r\n`;
        const what = JSON.stringify(request.slice(0, 300));
        sent++;
        const answer = await withDeadline(what, rawRequest(served.url, Buffer.concat([Buffer.from(request, 'utf8'), body])));
        if (answer === 'closed') {
          expect(nodeMayRefuse(request), `connection closed without an answer: ${what}`).toBe(true);
          return;
        }
        expect(answer.status >= 500 && answer.status !== 503, `${what} → ${answer.status} ${answer.body.slice(0, 300)}`).toBe(false);
        const json = /\r\ncontent-type: application\/json/i.test(answer.head);
        if ((answer.status === 400 || answer.status === 431) && !json) {
          expect(nodeMayRefuse(request), `a bodiless ${answer.status} for a request Node can parse: ${what}`).toBe(true);
          return;
        }
        if (p.method === 'HEAD' || answer.status === 204) return;
        const parsed = checkAnswer(what, p.method, { status: answer.status, text: answer.body, contentType: json ? 'application/json' : null });
        // A raw request can be a valid produce to the fuzzed topic: keep the model, and read it back.
        if (answer.status === 200 && Array.isArray(parsed?.offsets) && p.target.startsWith(`/v1/topics/${TOPIC}/records`)) await checkProduce(what, 200, parsed, JSON.parse(p.body));
      }),
      { numRuns: SOCKET_RUNS },
    );
    await checkHighWatermarks();
    await readBack();
  }, TEST_TIMEOUT_MS);

  it('answers big bodies: 0 bytes, just under and just over 6 MiB, and a valid produce of 5.9 MB that reads back', async () => {
    const post = (body: Buffer, type = 'application/json') =>
      new Promise<Answer>((resolve, reject) => {
        const req = httpRequest(`${served.url}/v1/topics/${TOPIC}/records`, { method: 'POST', headers: { 'content-type': type, 'content-length': String(body.byteLength) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text, contentType: res.headers['content-type'] ?? null }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const sizes = [0, 1, 1024 * 1024, 6 * 1024 * 1024 - 1, 6 * 1024 * 1024 + 1, 7 * 1024 * 1024];
    for (const size of sizes) {
      for (const fill of ['x', '{', '[']) {
        sent++;
        const answer = await withDeadline(`${size} bytes of ${fill}`, post(Buffer.alloc(size, fill)));
        checkAnswer(`${size} bytes`, 'POST', answer);
        expect(answer.status, `${size} bytes of ${fill}`).toBe(size > 6 * 1024 * 1024 ? 413 : 400);
        await checkProduce(`${size} bytes`, answer.status, undefined, undefined);
      }
    }
    // Valid produces just under the limit: one record of 3.9 MB and 600 records of 9.8 KB, as JSON and as base64.
    const big = [
      { records: [{ partition: 1, value: 'v'.repeat(3_900_000) }] },
      { records: Array.from({ length: 600 }, (_, i) => ({ partition: 2, key: `k${i}`, value: Buffer.alloc(7_300, i).toString('base64'), valueEncoding: 'base64' })) },
    ];
    for (const produce of big) {
      const bytes = Buffer.from(JSON.stringify(produce));
      expect(bytes.byteLength).toBeGreaterThan(3_900_000);
      sent++;
      const answer = await withDeadline('big produce', post(bytes));
      const body = checkAnswer('big produce', 'POST', answer);
      expect(answer.status).toBe(200);
      await checkProduce('big produce', answer.status, body, produce);
    }
    await checkHighWatermarks();
    await readBack();
  }, TEST_TIMEOUT_MS);
});
