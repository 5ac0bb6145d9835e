import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOPIC_CONFIG_DEFAULTS, type TopicConfig } from '../../lib/contract/topics.js';
import { applyConfigChange, topicConfigChangeSchema, topicConfigSchema } from '../../lib/topics/topic-config.js';

const names = Object.keys(TOPIC_CONFIG_DEFAULTS) as Array<keyof TopicConfig>;
const anyValue = fc.oneof(
  fc.integer({ min: -2, max: 5_000_000 }),
  fc.double({ min: -1, max: 2, noNaN: true }),
  fc.constantFrom('delete', 'compact', 'compact,delete', 'gzip', 'none', 'lz4', '0.5', '.5', '1', '-1', '63', '64', '4194304', '1h', ''),
  fc.string(),
  fc.boolean(),
);

describe('topic config rules: one source for create and alter', () => {
  it('alter accepts a value for a config exactly when create does, and reads it the same', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), anyValue, (name, value) => {
        const created = topicConfigSchema.safeParse({ [name]: value });
        const altered = topicConfigChangeSchema.safeParse({ [name]: value });
        expect(altered.success).toBe(created.success);
        if (created.success && altered.success) expect((altered.data as Record<string, unknown>)[name]).toBe(created.data[name]);
      }),
    );
  });

  it('an applied change keeps the configs it does not name, sets those it does, and a null one is the default', () => {
    fc.assert(
      fc.property(fc.subarray(names), fc.subarray(names), (set, reset) => {
        const base = topicConfigSchema.parse({ 'retention.ms': 1, 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0.9 });
        const change = { ...Object.fromEntries(set.map((n) => [n, base[n]])), ...Object.fromEntries(reset.map((n) => [n, null])) };
        const next = applyConfigChange(base, change);
        for (const n of names) expect(next[n]).toBe(reset.includes(n) ? TOPIC_CONFIG_DEFAULTS[n] : base[n]);
        expect(topicConfigSchema.parse(next)).toEqual(next);
      }),
    );
  });
});
