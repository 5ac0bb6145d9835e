/**
 * us-east-1 list prices, arm64 Lambda, as the bench's cost sections use them (checked for this bench;
 * see the README's Cost section and BENCHMARKS.md for the sources).
 */
export const PRICES = {
  /** HTTP API, first 300 M a month; metered in 512 KB increments (a 513 KB request is two). */
  apiRequest: 1.0 / 1e6,
  apiRequestIncrementBytes: 512 * 1024,
  /** API Gateway WebSocket APIs: per million connection-minutes, and per million messages (32 KB each). */
  webSocketMinute: 0.25 / 1e6,
  webSocketMessage: 1.0 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  readUnit: 0.125 / 1e6,
  writeUnit: 0.625 / 1e6,
  /** PUT, COPY, POST and LIST requests (DELETE is free). */
  s3Put: 0.005 / 1000,
  /** GET and other reads. */
  s3Get: 0.0004 / 1000,
  kinesisStreamHour: 0.04,
  /** Kinesis on-demand, per GB of records written (each rounded up to 1 KB) and read. */
  kinesisOnDemandInPerGb: 0.08,
  kinesisOnDemandOutPerGb: 0.04,
  mskServerlessClusterHour: 0.75,
  mskServerlessPartitionHour: 0.0015,
};
