import { Admin } from './admin.js';
import { Consumer, type ConsumerConfig } from './consumer.js';
import { RunnelApi } from './api.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { Producer, type ProducerConfig } from './producer.js';

export type RunnelClientConfig = HttpClientOptions;

/**
 * The entry point, shaped like KafkaJS's `Kafka` class:
 *
 *     const runnel = new Runnel({ url: 'http://127.0.0.1:7430' });
 *     const producer = runnel.producer();
 *
 * Against API Gateway with IAM auth, pass `sigv4: true` (the AWS default credential chain) or
 * `credentials`, and `region` when the URL is a custom domain.
 */
export class Runnel {
  readonly api: RunnelApi;

  constructor(readonly config: RunnelClientConfig) {
    this.api = new RunnelApi(new HttpClient(config));
  }

  producer(config?: ProducerConfig): Producer {
    return new Producer(this.api, config);
  }

  admin(): Admin {
    return new Admin(this.api);
  }

  consumer(config: ConsumerConfig): Consumer {
    return new Consumer(this.api, config);
  }
}

export { Admin } from './admin.js';
export { Consumer } from './consumer.js';
export type { Batch, ConsumerConfig, ConsumerRunConfig, ConsumerSubscribeTopics, EachBatchPayload, EachMessagePayload, KafkaMessage, TopicPartitionOffsetInput } from './consumer.js';
export type { ITopicConfig, PartitionOffsets, TopicMetadata } from './admin.js';
export { ConfigResourceTypes, ConfigSource } from './admin-configs.js';
export type { AlterConfigsResponse, ConfigEntry, DescribeConfigResponse, IResourceConfig, ResourceConfigQuery } from './admin-configs.js';
export { RunnelApi } from './api.js';
// The wire contract: request and response types, limits, the route table and topic-partition helpers.
export * from '../contract/index.js';
export { RunnelHttpError, isRunnelHttpError } from './errors.js';
export { HttpClient } from './http.js';
export type { HttpClientOptions, RequestOptions } from './http.js';
export type { BodyFormat, HeaderValue, Message, MessageValue } from './message.js';
export { DEFAULT_PRODUCER_CONFIG, Producer } from './producer.js';
export type { ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata } from './producer.js';
export type { RetryOptions } from './retry.js';
export type { AwsCredentials, CredentialsInput } from './sigv4.js';
