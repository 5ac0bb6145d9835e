import { TOPIC_CONFIG_DEFAULTS, type TopicConfig, type TopicView } from '../contract/topics.js';
import type { RunnelApi } from './api.js';

/** KafkaJS's `ConfigResourceTypes`; Runnel has topic configs only. */
export enum ConfigResourceTypes {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

/** KafkaJS's `ConfigSource`: a topic's config is either set on it or Kafka's default. */
export enum ConfigSource {
  UNKNOWN = 0,
  TOPIC_CONFIG = 1,
  DEFAULT_CONFIG = 5,
}

export interface ConfigEntry {
  configName: string;
  configValue: string;
  /** True when the value is the default's (Runnel stores each topic's full config, so it tells a default by its value). */
  isDefault: boolean;
  configSource: ConfigSource;
  isSensitive: false;
  readOnly: false;
  configSynonyms: [];
}

export interface DescribeConfigResponse {
  resources: Array<{ configEntries: ConfigEntry[]; errorCode: 0; errorMessage: null; resourceName: string; resourceType: ConfigResourceTypes.TOPIC }>;
  throttleTime: 0;
}

export interface AlterConfigsResponse {
  resources: Array<{ errorCode: 0; errorMessage: null; resourceName: string; resourceType: ConfigResourceTypes.TOPIC }>;
  throttleTime: 0;
}

export interface ResourceConfigQuery {
  type: ConfigResourceTypes;
  name: string;
  /** Only these configs; all of them when left out. */
  configNames?: string[];
}

export interface IResourceConfig {
  type: ConfigResourceTypes;
  name: string;
  /** Each config to set; a `null` value puts it back to its default. */
  configEntries: Array<{ name: string; value: string | null }>;
}

function topicResource(type: ConfigResourceTypes, name: string, method: string): string {
  if (type !== ConfigResourceTypes.TOPIC) throw new TypeError(`${method}: Runnel has topic configs only (ConfigResourceTypes.TOPIC), not resource type ${type} for "${name}"`);
  return name;
}

function configEntries(view: TopicView, names?: string[]): ConfigEntry[] {
  const entries = Object.entries(view.config) as Array<[keyof TopicConfig, TopicConfig[keyof TopicConfig]]>;
  return entries
    .filter(([name]) => names === undefined || names.includes(name))
    .map(([configName, value]) => {
      const isDefault = value === TOPIC_CONFIG_DEFAULTS[configName];
      return {
        configName,
        configValue: String(value),
        isDefault,
        configSource: isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG,
        isSensitive: false,
        readOnly: false,
        configSynonyms: [],
      };
    });
}

/** KafkaJS's `describeConfigs`, over describe-topic: each topic's configs, as strings. */
export async function describeConfigs(api: RunnelApi, options: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean }): Promise<DescribeConfigResponse> {
  const resources = await Promise.all(
    options.resources.map(async ({ type, name, configNames }) => ({
      configEntries: configEntries(await api.describeTopic(topicResource(type, name, 'describeConfigs')), configNames),
      errorCode: 0 as const,
      errorMessage: null,
      resourceName: name,
      resourceType: ConfigResourceTypes.TOPIC as const,
    })),
  );
  return { resources, throttleTime: 0 };
}

/**
 * KafkaJS's `alterConfigs`, with Kafka's incremental meaning (incrementalAlterConfigs' SET): the configs
 * named change and the others keep their values; Kafka's older AlterConfigs, which KafkaJS sends, would
 * put every config not named back to its default.
 */
export async function alterConfigs(api: RunnelApi, options: { resources: IResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResponse> {
  // Changing when asked only to validate would be worse than refusing.
  if (options.validateOnly) throw new TypeError('alterConfigs: validateOnly is not supported by Runnel');
  const resources: AlterConfigsResponse['resources'] = [];
  for (const { type, name, configEntries: entries } of options.resources) {
    await api.alterTopicConfig(topicResource(type, name, 'alterConfigs'), Object.fromEntries(entries.map((e) => [e.name, e.value])));
    resources.push({ errorCode: 0, errorMessage: null, resourceName: name, resourceType: ConfigResourceTypes.TOPIC });
  }
  return { resources, throttleTime: 0 };
}
