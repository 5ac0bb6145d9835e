import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { RunnelConfig } from '../../lib/config.js';
import { matchesFilter, type FilterPattern } from './event-filter.js';
import type { TestStack } from './stack.js';

/** Turns on a NEW_AND_OLD_IMAGES stream on a table, as the construct does on the log table; answers the stream's ARN. */
export async function enableStream(dynamo: DynamoDBClient, table: string): Promise<string> {
  await dynamo.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  const arn = described.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${table} has no stream after enabling one`);
  return arn;
}

export function streamsClient(config: RunnelConfig): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ region: config.region, endpoint: config.dynamoDbEndpoint, credentials: config.credentials });
}

/**
 * Reads a stream as an event source mapping does: every shard from its trim horizon, in shard order
 * (parents before children), each shard's records in sequence order. Answers the records read since the
 * last call, so a test can read again after producing more.
 */
export class StreamReader {
  private readonly iterators = new Map<string, string | undefined>();
  /** Requests made, by API: a stream's read requests are what AWS bills (the ESM's are free). */
  readonly requests = { DescribeStream: 0, GetShardIterator: 0, GetRecords: 0 };

  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArn: string,
  ) {}

  async read(): Promise<StreamRecord[]> {
    this.requests.DescribeStream++;
    const described = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    const out: StreamRecord[] = [];
    for (const shard of described.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (!this.iterators.has(id)) {
        this.requests.GetShardIterator++;
        const it = await this.streams.send(new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
        this.iterators.set(id, it.ShardIterator);
      }
      // An open shard answers an empty page at its end, with an iterator to read on from later.
      for (;;) {
        const iterator = this.iterators.get(id);
        if (!iterator) break;
        this.requests.GetRecords++;
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        this.iterators.set(id, page.NextShardIterator);
        out.push(...(page.Records ?? []));
        if (!page.Records?.length) break;
      }
    }
    return out;
  }
}

/** The SDK's typed attribute values back to the JSON Lambda hands a function (binary as base64). */
function lambdaJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(lambdaJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lambdaJson(v)]));
  return value;
}

/** One stream record as Lambda's event source mapping puts it in the event. */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = record.dynamodb!;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(lambdaJson({ Keys: d.Keys, NewImage: d.NewImage, OldImage: d.OldImage }) as Pick<NonNullable<DynamoDBRecord['dynamodb']>, 'Keys' | 'NewImage' | 'OldImage'>),
      ApproximateCreationDateTime: d.ApproximateCreationDateTime ? d.ApproximateCreationDateTime.getTime() / 1000 : undefined,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  };
}

/**
 * What the event source mapping invokes the function with: the records that pass one of its filters
 * (Lambda ORs a mapping's filters), in order, in batches of at most `batchSize`. Records the filters
 * drop never reach the function.
 */
export function mappingEvents(records: DynamoDBRecord[], filters: FilterPattern | readonly FilterPattern[], batchSize = 100): DynamoDBStreamEvent[] {
  const passed = records.filter((r) => [filters].flat().some((filter) => matchesFilter(filter, r)));
  const events: DynamoDBStreamEvent[] = [];
  for (let i = 0; i < passed.length; i += batchSize) events.push({ Records: passed.slice(i, i + batchSize) });
  return events;
}

/** The log table's stream of a test stack, read with the Streams API, as the event source mapping would hand it to the dispatcher. */
export async function logTableStream(stack: TestStack): Promise<{ reader: StreamReader; records(): Promise<DynamoDBRecord[]> }> {
  const streamArn = await enableStream(stack.runnel.clients.dynamo, stack.config.logTable);
  const reader = new StreamReader(streamsClient(stack.config), streamArn);
  return {
    reader,
    /** Every record written since the last call, in the Lambda event's shape. */
    async records() {
      return (await reader.read()).map((r) => toLambdaRecord(r, streamArn, stack.config.region));
    },
  };
}
