import { kafkaConsumer, SchemaType } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchEvent, encodeBatchEvent, type OffsetRecord } from '../../lib/subscriptions/batch-event.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const context = {} as Context;
/** Powertools types the event as MSK's, which has an eventSourceArn; a self-managed Kafka event has none. */
const trigger = (e: ReturnType<typeof batchEvent>) => e as unknown as MSKEvent;

/** AWS's documented sample event for the self-managed Apache Kafka trigger (Lambda developer guide). */
const AWS_SAMPLE = {
  eventSource: 'SelfManagedKafka',
  bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'eyJrZXkiOiJ2YWx1ZSJ9',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};

describe('batchEvent', () => {
  it("builds AWS's documented sample event from the record it describes", () => {
    const record: OffsetRecord = {
      offset: 15,
      timestamp: 1545084650987,
      key: utf8('recordKey'),
      keyIsBinary: false,
      value: utf8(JSON.stringify({ key: 'value' })),
      valueIsBinary: false,
      headers: [['headerKey', 'headerValue']],
    };
    expect(batchEvent({ source: AWS_SAMPLE.bootstrapServers, topic: 'mytopic', partition: 0, records: [record] })).toEqual(AWS_SAMPLE);
  });

  it('spells header bytes as Java does, signed, as Lambda sends them', () => {
    const record: OffsetRecord = { offset: 0, timestamp: 0, key: null, keyIsBinary: false, value: null, valueIsBinary: false, headers: [['h', 'ë']] };
    const event = batchEvent({ source: 's', topic: 't', partition: 0, records: [record] });
    expect(event.records['t-0']![0]!.headers).toEqual([{ h: [-61, -85] }]);
  });

  // Powertools' Kafka consumer utility is the oracle: a handler written for the trigger must read back
  // exactly the keys, values and headers that were produced.
  const headerText = fc.string({ unit: 'grapheme', maxLength: 12 });
  const noBom = (s: string) => !s.startsWith('\uFEFF'); // Powertools decodes with a TextDecoder that drops a leading BOM
  const recordArb = fc.record({
    key: fc.oneof(fc.constant(null), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter(noBom)),
    value: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null).map((v) => JSON.parse(JSON.stringify(v)) as unknown), fc.uint8Array({ minLength: 0, maxLength: 40 })),
    headers: fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }).filter(noBom), headerText.filter(noBom)), { selector: ([k]) => k, maxLength: 4 }),
    timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  });

  it("is read back exactly by Powertools' Kafka consumer utility", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 6 }), fc.nat({ max: 1000 }), async (inputs, firstOffset) => {
        const records: OffsetRecord[] = inputs.map((r, i) => ({
          offset: firstOffset + i,
          timestamp: r.timestamp,
          key: r.key === null ? null : utf8(r.key),
          keyIsBinary: false,
          value: r.value === null ? null : r.value instanceof Uint8Array ? r.value : utf8(JSON.stringify(r.value)),
          valueIsBinary: r.value instanceof Uint8Array,
          headers: r.headers as Array<[string, string]>,
        }));
        const event = batchEvent({ source: 'http://127.0.0.1:7430', topic: 'orders', partition: 3, records });
        const seen = (await kafkaConsumer(async (e) => e.records.map((r) => ({ ...r, key: r.key, value: r.value, headers: r.headers })), undefined as never)(trigger(event), context)) as ConsumerRecord<unknown, unknown>[];
        expect(seen).toHaveLength(records.length);
        seen.forEach((got, i) => {
          const want = inputs[i]!;
          expect(got.topic).toBe('orders');
          expect(got.partition).toBe(3);
          expect(got.offset).toBe(firstOffset + i);
          expect(got.timestamp).toBe(want.timestamp);
          expect(got.key).toBe(want.key);
          if (want.value === null) expect(got.value).toBeNull();
          else if (want.value instanceof Uint8Array) expect(Buffer.from(got.originalValue, 'base64')).toEqual(Buffer.from(want.value));
          else expect(JSON.parse(got.value as string)).toEqual(want.value);
          expect(got.headers).toEqual(want.headers.map(([k, v]) => ({ [k]: v })));
        });
        // With a JSON schema, the utility hands JSON values back as the values produced.
        const json = await kafkaConsumer(async (e) => e.records.map((r) => r.value), { value: { type: SchemaType.JSON } })(
          trigger(batchEvent({ source: 's', topic: 'orders', partition: 3, records: records.filter((r) => r.value !== null && !r.valueIsBinary) })),
          context,
        );
        expect(json).toEqual(inputs.filter((r) => r.value !== null && !(r.value instanceof Uint8Array)).map((r) => JSON.parse(JSON.stringify(r.value))));
      }),
      { numRuns: 200 },
    );
  });
});

describe('encodeBatchEvent', () => {
  const record = (offset: number, size: number): OffsetRecord => ({ offset, timestamp: 1, key: null, keyIsBinary: false, value: Buffer.alloc(size, 7), valueIsBinary: true, headers: [] });

  it('is the JSON of batchEvent over the records that fit, and never more than maxBytes unless one record alone is larger', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 3000 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 100, max: 20_000 }), (sizes, maxBytes) => {
        const records = sizes.map((s, i) => record(i, s));
        const { json, count } = encodeBatchEvent({ source: 'src', topic: 't', partition: 0, records, maxBytes });
        expect(count).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(json)).toEqual(batchEvent({ source: 'src', topic: 't', partition: 0, records: records.slice(0, count) }));
        if (count > 1) expect(Buffer.byteLength(json)).toBeLessThanOrEqual(maxBytes);
        if (count < records.length) {
          const more = encodeBatchEvent({ source: 'src', topic: 't', partition: 0, records: records.slice(0, count + 1), maxBytes: Infinity });
          expect(Buffer.byteLength(more.json)).toBeGreaterThan(maxBytes);
        }
      }),
    );
  });
});
