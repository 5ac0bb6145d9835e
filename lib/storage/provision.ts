import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RunnelConfig } from '../config.js';
import { GROUPS_TABLE_KEYS, LOG_TABLE_KEYS, TOPICS_TABLE_KEYS } from './schema.js';
import type { StorageClients } from './clients.js';

interface KeyDef {
  name: string;
  type: 'S' | 'N';
}

/** A table's name and key schema, as lib/storage/schema.ts states it. */
interface TableDef {
  table: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
}

async function ensureTable(dynamo: DynamoDBClient, { table, partitionKey, sortKey }: TableDef): Promise<void> {
  const keys = sortKey ? [partitionKey, sortKey] : [partitionKey];
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
        KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  for (let i = 0; i < 100; i++) {
    const d = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    // HeadBucket can fail for reasons other than absence (a slow emulator, say); creating is then the test.
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: Error) => {
      if (e.name !== 'BucketAlreadyExists' && e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
  }
}

/** Creates the tables and bucket if missing. For local stacks and tests; on AWS the CDK app owns them. */
export async function provisionStorage(clients: StorageClients, config: RunnelConfig): Promise<void> {
  await Promise.all([
    ensureTable(clients.dynamo, { table: config.topicsTable, ...TOPICS_TABLE_KEYS }),
    ensureTable(clients.dynamo, { table: config.logTable, ...LOG_TABLE_KEYS }),
    ensureTable(clients.dynamo, { table: config.groupsTable, ...GROUPS_TABLE_KEYS }),
    ensureBucket(clients.s3, config.bucket),
  ]);
}
