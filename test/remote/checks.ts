import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RunnelApi } from '../../lib/client/api.js';
import { RunnelHttpError } from '../../lib/client/errors.js';

/** One black-box check against a Runnel API; checks run in order and share what earlier ones created. */
export interface ApiCheck {
  name: string;
  run(api: RunnelApi, scenario: Scenario): Promise<void>;
}

export interface Scenario {
  topic: string;
  group: string;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

async function rejects(call: Promise<unknown>, status: number, code: string): Promise<RunnelHttpError> {
  const error = await call.then(
    () => assert.fail(`expected HTTP ${status} ${code}, got a success`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RunnelHttpError, `expected an HTTP error, got ${String(error)}`);
  assert.equal(error.status, status, error.message);
  assert.equal(error.code, code, error.message);
  return error;
}

const produceBody = (records: unknown[]) => JSON.stringify({ records });

/**
 * What any deployment must do, seen only through its HTTP API: the same checks run against the
 * synthesized Lambda bundles in `npm test` and against a deployed stack in `npm run test:remote`.
 */
export const API_CHECKS: ApiCheck[] = [
  {
    name: 'creates a topic and describes it',
    async run(api, { topic }) {
      const created = await api.createTopic({ name: topic, partitions: 2 });
      assert.equal(created.partitions, 2);
      const described = await api.describeTopic(topic);
      assert.deepEqual(described.partitionStates.map((p) => p.highWatermark), [0, 0]);
      assert.ok((await api.listTopics()).some((t) => t.name === topic));
    },
  },
  {
    name: 'produces records and fetches them back in order',
    async run(api, { topic }) {
      const values = [{ n: 1 }, 'two', 3];
      const { offsets } = await api.produce(topic, produceBody(values.map((value) => ({ partition: 1, key: 'k', value }))), {});
      assert.deepEqual(offsets.map((o) => [o.partition, o.offset]), [[1, 0], [1, 1], [1, 2]]);
      const fetched = await api.fetch({ topic, partition: 1, offset: 0 });
      assert.deepEqual(fetched.records.map((r) => r.value), values);
      assert.equal(fetched.highWatermark, 3);
      assert.equal(await api.offsetFor(topic, 1, { spec: 'latest' }), 3);
      assert.equal(await api.offsetFor(topic, 0, { spec: 'earliest' }), 0);
    },
  },
  {
    name: 'refuses bad input with a 4xx that names the problem',
    async run(api, { topic }) {
      const bad = await rejects(api.createTopic({ name: 'no spaces allowed', partitions: 1 }), 400, 'invalid_request');
      assert.match(bad.message, /name/);
      await rejects(api.produce(`${topic}-missing`, produceBody([{ value: 1 }]), { retry: { retries: 0 } }), 404, 'unknown_topic');
      await rejects(api.fetch({ topic, partition: 1, offset: 99 }), 416, 'offset_out_of_range');
    },
  },
  {
    name: 'sets and describes a consumer group',
    async run(api, { topic, group }) {
      const reset = await api.resetGroupOffsets(group, { topic, to: 'earliest' });
      assert.deepEqual(reset.map((o) => o.offset), [0, 0]);
      const described = await api.describeGroup(group);
      assert.deepEqual(described.partitions.map((p) => p.lag), [0, 3]);
      await api.deleteGroup(group);
    },
  },
  {
    name: 'deletes the topic',
    async run(api, { topic }) {
      await api.deleteTopic(topic);
      await rejects(api.describeTopic(topic), 404, 'unknown_topic');
    },
  },
];

export function newScenario(): Scenario {
  const id = randomBytes(4).toString('hex');
  return { topic: `blackbox-${id}`, group: `blackbox-${id}` };
}

/** Runs every check in order; a failed check does not stop the ones after it. */
export async function runChecks(api: RunnelApi, scenario = newScenario(), onResult: (r: CheckResult) => void = () => {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of API_CHECKS) {
    const started = performance.now();
    let result: CheckResult;
    try {
      await check.run(api, scenario);
      result = { name: check.name, ok: true, ms: performance.now() - started };
    } catch (error) {
      result = { name: check.name, ok: false, error: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
