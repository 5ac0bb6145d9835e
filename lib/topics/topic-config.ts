import * as z from '../api/zod.js';
import { MAX_MESSAGE_BYTES_LIMIT } from '../contract/limits.js';
import { TOPIC_CONFIG_DEFAULTS, type TopicConfig, type TopicConfigInput } from '../contract/topics.js';

export { TOPIC_CONFIG_DEFAULTS, type TopicConfig } from '../contract/topics.js';

/** Kafka writes topic configs as strings; accept those and plain JSON numbers alike. */
const integer = (min: number, max: number) =>
  z.pipe(
    z.union([z.number(), z.pipe(z.string().check(z.regex(/^-?\d+$/, 'must be an integer')), z.transform(Number))]),
    z.number().check(z.int('must be an integer'), z.minimum(min), z.maximum(max)),
  );

/** A ratio from 0 to 1, as a JSON number or a decimal string. */
const ratio = z.pipe(
  z.union([z.number(), z.pipe(z.string().check(z.regex(/^(?:[01]|[01]?\.\d+)$/, 'must be a number from 0 to 1')), z.transform(Number))]),
  z.number().check(z.minimum(0, 'must be a number from 0 to 1'), z.maximum(1, 'must be a number from 0 to 1')),
);

/**
 * Each topic config's rule, with Kafka's names: the one place they are written, for create and alter
 * alike. `max.message.bytes` is capped so that any one record still fits in a fetch response under
 * Lambda's 6 MB limit.
 */
const configRules = {
  'retention.ms': integer(-1, Number.MAX_SAFE_INTEGER),
  'retention.bytes': integer(-1, Number.MAX_SAFE_INTEGER),
  'cleanup.policy': z.enum(['delete', 'compact', 'compact,delete', 'delete,compact']),
  'max.message.bytes': integer(64, MAX_MESSAGE_BYTES_LIMIT),
  'compression.type': z.enum(['none', 'gzip']),
  'message.timestamp.after.max.ms': integer(0, Number.MAX_SAFE_INTEGER),
  'delete.retention.ms': integer(0, Number.MAX_SAFE_INTEGER),
  'min.compaction.lag.ms': integer(0, Number.MAX_SAFE_INTEGER),
  'max.compaction.lag.ms': integer(1, Number.MAX_SAFE_INTEGER),
  'min.cleanable.dirty.ratio': ratio,
} satisfies { [K in keyof TopicConfig]: z.ZodMiniType<TopicConfig[K], TopicConfigInput[K]> };

/** Each rule, made into another schema by `f`. */
const mapRules = <T extends z.ZodMiniType>(f: (rule: z.ZodMiniType, name: keyof TopicConfig) => T) =>
  Object.fromEntries(Object.entries(configRules).map(([name, rule]) => [name, f(rule, name as keyof TopicConfig)])) as Record<keyof TopicConfig, T>;

/** A whole topic config, as create takes it: any subset, the rest Kafka's defaults. */
export const topicConfigSchema = z.strictObject(mapRules((rule, name) => z._default(rule, TOPIC_CONFIG_DEFAULTS[name]))) as unknown as z.ZodMiniType<
  TopicConfig,
  TopicConfigInput
>;

/** A change to a topic's config: the configs to set, and `null` for one to put back to its default. */
export type TopicConfigChange = { [K in keyof TopicConfig]?: TopicConfig[K] | null };

/** The body of an alter: the same rules as create, each config optional or `null`. */
export const topicConfigChangeSchema = z
  .strictObject(mapRules((rule) => z.optional(z.nullable(rule))))
  .check(z.refine((change) => Object.keys(change).length > 0, 'must name at least one config')) as unknown as z.ZodMiniType<
  TopicConfigChange,
  { [K in keyof TopicConfigInput]?: TopicConfigInput[K] | null }
>;

export const defaultTopicConfig = (): TopicConfig => ({ ...TOPIC_CONFIG_DEFAULTS });

/** `config` with `change` applied: a config given is set, a `null` one is back to its default, the rest kept. */
export function applyConfigChange(config: TopicConfig, change: TopicConfigChange): TopicConfig {
  const next: Record<string, unknown> = { ...config };
  for (const [name, value] of Object.entries(change) as Array<[keyof TopicConfig, unknown]>) {
    if (value === undefined) continue;
    next[name] = value === null ? TOPIC_CONFIG_DEFAULTS[name] : value;
  }
  return next as unknown as TopicConfig;
}
