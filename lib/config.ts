import { MAX_PARTITIONS } from './contract/limits.js';

/** Where Runnel keeps its state. One value describes a deployment, whether on AWS or on local emulators. */
export interface RunnelConfig {
  region: string;
  bucket: string;
  topicsTable: string;
  logTable: string;
  groupsTable: string;
  /** Only for endpoints other than AWS (LocalStack, dynalite, DynamoDB Local, s3rver). */
  s3Endpoint?: string;
  dynamoDbEndpoint?: string;
  /** Where push subscriptions invoke Lambda functions, when not AWS: `sam local start-lambda`, a test server. */
  lambdaEndpoint?: string;
  /** Static credentials for local emulators; on AWS the default provider chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Kafka's `auto.create.topics.enable` with its `num.partitions`: a produce, or a group member's join,
   * naming a missing topic creates it with this many partitions and the default configs. Off when absent.
   */
  autoCreateTopics?: { numPartitions: number };
  /**
   * The deployment's WebSocket API for wake sockets (the construct's wake stage, `wss://…/wake`): the
   * wake route hands it to idle pull members. Absent: no wake sockets but the local server's, and
   * deployed members poll.
   */
  wakeSocketUrl?: string;
  /** Its management endpoint (`https://…/wake`), where the wake notifier posts wakes (PostToConnection). */
  wakeCallbackUrl?: string;
}

export const DEFAULT_NAMES = {
  bucket: 'runnel-segments',
  topicsTable: 'runnel-topics',
  logTable: 'runnel-log',
  groupsTable: 'runnel-groups',
} as const;

/**
 * `RUNNEL_AUTO_CREATE_TOPICS` (`true` or `false`, default `defaultOn`) and `RUNNEL_NUM_PARTITIONS` (1 to
 * 1000, default 1). A value that is neither is refused rather than read as off.
 */
export function autoCreateTopicsFromEnv(env: NodeJS.ProcessEnv, defaultOn: boolean): RunnelConfig['autoCreateTopics'] {
  const enabled = env.RUNNEL_AUTO_CREATE_TOPICS || String(defaultOn);
  if (enabled !== 'true' && enabled !== 'false') throw new Error(`RUNNEL_AUTO_CREATE_TOPICS must be true or false, not ${JSON.stringify(enabled)}`);
  const partitions = env.RUNNEL_NUM_PARTITIONS || '1';
  if (!/^\d+$/.test(partitions) || Number(partitions) < 1 || Number(partitions) > MAX_PARTITIONS) {
    throw new Error(`RUNNEL_NUM_PARTITIONS must be a number of partitions from 1 to ${MAX_PARTITIONS}, not ${JSON.stringify(partitions)}`);
  }
  return enabled === 'true' ? { numPartitions: Number(partitions) } : undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RunnelConfig {
  return {
    autoCreateTopics: autoCreateTopicsFromEnv(env, false),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket: env.RUNNEL_BUCKET ?? DEFAULT_NAMES.bucket,
    topicsTable: env.RUNNEL_TOPICS_TABLE ?? DEFAULT_NAMES.topicsTable,
    logTable: env.RUNNEL_LOG_TABLE ?? DEFAULT_NAMES.logTable,
    groupsTable: env.RUNNEL_GROUPS_TABLE ?? DEFAULT_NAMES.groupsTable,
    s3Endpoint: env.RUNNEL_S3_ENDPOINT || undefined,
    dynamoDbEndpoint: env.RUNNEL_DYNAMODB_ENDPOINT || undefined,
    lambdaEndpoint: env.RUNNEL_LAMBDA_ENDPOINT || undefined,
    wakeSocketUrl: env.RUNNEL_WAKE_SOCKET_URL || undefined,
    wakeCallbackUrl: env.RUNNEL_WAKE_CALLBACK_URL || undefined,
  };
}
