import { DeleteItemCommand, PutItemCommand, paginateQuery, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GROUPS_TABLE_TTL_ATTRIBUTE } from '../storage/schema.js';

/**
 * One wake socket on AWS: API Gateway holds the connection, and this item says what it watches. The
 * local server keeps the same thing in memory (WakeHub); a Lambda function has no memory to keep it in.
 */
export interface SocketRegistration {
  /** API Gateway's id of the connection: where PostToConnection sends the wake. */
  connectionId: string;
  /** The topic's name, which the wake message carries, and the incarnation the socket was opened on. */
  topic: string;
  topicId: string;
  partitions: readonly number[];
  registeredAt: number;
  /** When the registration stops counting (ms): API Gateway has closed an idle socket by then. */
  expiresAt: number;
}

/**
 * A topic incarnation's sockets live in one partition of the groups table, `wake#<topicId>`: a group id
 * cannot contain `#`, so no group's items are there, and group listing skips the `socket#` items anyway.
 * One Query finds every socket of the topic (what a commit's wake needs); one item per socket, listing
 * its partitions, is one write per connect however many partitions it watches.
 */
const GROUP_PREFIX = 'wake#';
const ITEM_PREFIX = 'socket#';

const n = (v: number): AttributeValue => ({ N: String(v) });

/** Every read and write of wake-socket registrations: one PutItem per socket, one Query per woken topic, one DeleteItem per wake. */
export class WakeRegistrationStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(topicId: string, connectionId: string) {
    return { group: { S: GROUP_PREFIX + topicId }, item: { S: ITEM_PREFIX + connectionId } };
  }

  /** A connection id is API Gateway's and unique, so a retried put writes the same item again. */
  async register(r: SocketRegistration): Promise<void> {
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          ...this.key(r.topicId, r.connectionId),
          connectionId: { S: r.connectionId },
          topic: { S: r.topic },
          topicId: { S: r.topicId },
          partitions: { L: r.partitions.map(n) },
          registeredAt: n(r.registeredAt),
          expiresAt: n(r.expiresAt),
          // DynamoDB deletes it some time after this; reads judge by expiresAt, since TTL deletion lags.
          [GROUPS_TABLE_TTL_ATTRIBUTE]: n(Math.ceil(r.expiresAt / 1000)),
        },
      }),
    );
  }

  /** The topic incarnation's registrations that have not expired by `now`, read strongly consistent. */
  async live(topicId: string, now: number): Promise<SocketRegistration[]> {
    const out: SocketRegistration[] = [];
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.table,
        KeyConditionExpression: '#g = :g AND begins_with(#i, :socket)',
        ExpressionAttributeNames: { '#g': 'group', '#i': 'item' },
        ExpressionAttributeValues: { ':g': { S: GROUP_PREFIX + topicId }, ':socket': { S: ITEM_PREFIX } },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const registration: SocketRegistration = {
          connectionId: item.connectionId!.S!,
          topic: item.topic!.S!,
          topicId: item.topicId!.S!,
          partitions: (item.partitions?.L ?? []).map((p) => Number(p.N)),
          registeredAt: Number(item.registeredAt!.N),
          expiresAt: Number(item.expiresAt!.N),
        };
        if (registration.expiresAt > now) out.push(registration);
      }
    }
    return out;
  }

  async remove(topicId: string, connectionId: string): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(topicId, connectionId) }));
  }
}
