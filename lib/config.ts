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
}

export const DEFAULT_NAMES = {
  bucket: 'runnel-segments',
  topicsTable: 'runnel-topics',
  logTable: 'runnel-log',
  groupsTable: 'runnel-groups',
} as const;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RunnelConfig {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket: env.RUNNEL_BUCKET ?? DEFAULT_NAMES.bucket,
    topicsTable: env.RUNNEL_TOPICS_TABLE ?? DEFAULT_NAMES.topicsTable,
    logTable: env.RUNNEL_LOG_TABLE ?? DEFAULT_NAMES.logTable,
    groupsTable: env.RUNNEL_GROUPS_TABLE ?? DEFAULT_NAMES.groupsTable,
    s3Endpoint: env.RUNNEL_S3_ENDPOINT || undefined,
    dynamoDbEndpoint: env.RUNNEL_DYNAMODB_ENDPOINT || undefined,
    lambdaEndpoint: env.RUNNEL_LAMBDA_ENDPOINT || undefined,
  };
}
