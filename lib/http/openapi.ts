import * as z from '../api/zod.js';
import { commitSchema, heartbeatSchema, joinSchema, leaveSchema, releaseSchema, resetSchema } from '../api/group-requests.js';
import { multiFetchSchema } from '../api/multi-fetch-request.js';
import { cborProduceRequestSchema, produceRequestSchema } from '../api/produce-request.js';
import { bytesSchema } from '../api/wire-record.js';
import { CBOR_CONTENT_TYPE } from '../contract/routes.js';
import { PARTITION_LIST_PATTERN } from '../api/wake-query.js';
import { createSubscriptionSchema, updateSubscriptionSchema } from '../api/subscription-requests.js';
import { alterTopicConfigSchema, createPartitionsSchema, createTopicSchema } from '../api/topic-requests.js';
import { DEFAULT_FETCH_BYTES, DEFAULT_FETCH_LIMIT, MAX_FETCH_BYTES, MAX_FETCH_LIMIT, MAX_WAIT_MS } from '../contract/limits.js';
import { ROUTES, type OperationId } from '../contract/routes.js';

const schema = (s: z.ZodMiniType) =>
  z.toJSONSchema(s, {
    io: 'input',
    unrepresentable: 'any',
    // JSON Schema has no bytes; a CBOR body's byte string is described in words.
    override: (ctx) => {
      if (ctx.zodSchema === bytesSchema) Object.assign(ctx.jsonSchema, { description: 'a CBOR byte string (major type 2): the bytes themselves', contentMediaType: 'application/octet-stream' });
    },
  });

const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
const json = (s: object, description = 'OK') => ({ description, content: { 'application/json': { schema: s } } });
const body = (s: z.ZodMiniType, required = true) => ({ required, content: { 'application/json': { schema: schema(s) } } });
const intQuery = (name: string, description: string, required = false) => ({ name, in: 'query', required, description, schema: { type: 'integer', minimum: 0 } });
const object = { type: 'object' };
const MiB = 1024 * 1024;

/** The path parameters, by the name the route table gives them. */
const PATH_PARAMETERS: Record<string, object> = {
  topic: { name: 'topic', in: 'path', required: true, schema: { type: 'string' } },
  partition: { name: 'partition', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
  group: { name: 'group', in: 'path', required: true, schema: { type: 'string' } },
  member: { name: 'member', in: 'path', required: true, schema: { type: 'string' } },
  name: { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'the subscription, which is also the name of its consumer group' },
};

const record = {
  type: 'object',
  required: ['partition', 'offset', 'timestamp', 'key', 'value', 'headers'],
  properties: {
    partition: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: { type: 'integer', description: 'milliseconds since the epoch' },
    key: { type: ['string', 'null'] },
    value: { description: 'any JSON value; a base64 string when valueEncoding is "base64"; null is a tombstone' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    keyEncoding: { const: 'base64' },
    valueEncoding: { const: 'base64' },
  },
};

const topicView = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    partitions: { type: 'integer' },
    config: { type: 'object' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

const fenced = () => errorResponse('A partition is not held by this member at that epoch (stale_epoch / not_owner)');

/** Each operation of the route table, described; its path, method and operationId come from the table. */
const operations = (): Record<OperationId, object> => ({
  createTopic: {
    summary: 'Create a topic',
    requestBody: body(createTopicSchema),
    responses: { 201: json(topicView, 'Created'), 400: errorResponse('Invalid request'), 409: errorResponse('Topic exists') },
  },
  listTopics: { summary: 'List topics', responses: { 200: json({ type: 'object', properties: { topics: { type: 'array', items: topicView } } }) } },
  describeTopic: {
    summary: 'Describe a topic, with logStartOffset, highWatermark and retained bytes per partition',
    responses: {
      200: json({
        allOf: [
          topicView,
          {
            type: 'object',
            properties: {
              topicId: { type: 'string', description: 'this incarnation of the topic; a re-created topic has a new one' },
              partitionStates: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    partition: { type: 'integer' },
                    logStartOffset: { type: 'integer' },
                    highWatermark: { type: 'integer' },
                    bytes: { type: 'integer', description: 'retained size: the bytes of the segments now holding the records from the log start on' },
                  },
                },
              },
              bytes: { type: 'integer', description: "the partitions' retained bytes added up" },
            },
          },
        ],
      }),
      404: errorResponse('Unknown topic'),
    },
  },
  deleteTopic: { summary: 'Delete a topic; its data is purged in the background', responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown topic') } },
  createPartitions: {
    summary: 'Add partitions: raise the count to `count` (only up, as Kafka); keyed records then map over the new count',
    requestBody: body(createPartitionsSchema),
    responses: {
      200: json(topicView),
      400: errorResponse('Invalid count, or not more than the partitions the topic has (invalid_partitions)'),
      404: errorResponse('Unknown topic'),
      409: errorResponse('Changed concurrently too often; retry'),
    },
  },
  alterTopicConfig: {
    summary: "Change a topic's configs: a JSON merge patch (a config given is set, null puts it back to its default, the rest are kept)",
    requestBody: body(alterTopicConfigSchema),
    responses: { 200: json(topicView), 400: errorResponse('Invalid config'), 404: errorResponse('Unknown topic'), 409: errorResponse('Changed concurrently too often; retry') },
  },
  getOpenApiDocument: { summary: 'This document', responses: { 200: json(object) } },
  health: { summary: 'Answers while the service is up', responses: { 200: json({ type: 'object', properties: { status: { const: 'ok' } } }) } },
  produceRecords: {
    summary: 'Produce records; answered once they are durable in S3 and committed in DynamoDB',
    requestBody: {
      required: true,
      description:
        'The records, as JSON, or as the same request in CBOR (`application/cbor`, RFC 8949), where a record\'s key or value may also be a byte string: its bytes as they are, where JSON needs base64 and keyEncoding/valueEncoding "base64". The TypeScript client sends CBOR. See docs/produce-cbor.md.',
      content: { 'application/json': { schema: schema(produceRequestSchema) }, [CBOR_CONTENT_TYPE]: { schema: schema(cborProduceRequestSchema) } },
    },
    responses: {
      200: json({
        type: 'object',
        properties: {
          offsets: {
            type: 'array',
            items: { type: 'object', properties: { partition: { type: 'integer' }, offset: { type: 'integer' }, timestamp: { type: 'integer' } } },
          },
        },
      }),
      400: errorResponse('Invalid request'),
      404: errorResponse('Unknown topic'),
      413: errorResponse('Record or body too large'),
      415: errorResponse('A body neither application/json nor application/cbor'),
    },
  },
  fetchRecords: {
    summary: 'Fetch records from an offset, optionally long-polling for new ones',
    parameters: [
      intQuery('offset', 'first offset to return', true),
      intQuery('limit', `most records to return (default ${DEFAULT_FETCH_LIMIT}, at most ${MAX_FETCH_LIMIT})`),
      intQuery(
        'maxBytes',
        `most bytes of record JSON to return, headers and base64 included (default ${DEFAULT_FETCH_BYTES / MiB} MiB, at most ${MAX_FETCH_BYTES / MiB} MiB); at least one record is always returned`,
      ),
      intQuery('waitMs', `when at the high watermark, wait up to this long for new records (at most ${MAX_WAIT_MS})`),
    ],
    responses: {
      200: json({
        type: 'object',
        properties: {
          topicId: { type: 'string', description: 'the incarnation of the topic these offsets belong to' },
          records: { type: 'array', items: { $ref: '#/components/schemas/Record' } },
          nextOffset: { type: 'integer' },
          highWatermark: { type: 'integer' },
          logStartOffset: { type: 'integer' },
        },
      }),
      400: errorResponse('Invalid request'),
      404: errorResponse('Unknown topic'),
      416: errorResponse('Offset outside [logStartOffset, highWatermark]; the body carries both bounds'),
    },
  },
  fetchPartitions: {
    summary:
      'Fetch from many partitions of a topic in one request (as Kafka\'s Fetch): answers as soon as any has records, or after waitMs; limit and maxBytes bound the whole answer, filled in the order the partitions are named',
    requestBody: body(multiFetchSchema),
    responses: {
      200: json({
        type: 'object',
        properties: {
          topicId: { type: 'string', description: 'the incarnation of the topic these offsets belong to' },
          partitions: {
            type: 'array',
            description: 'one per partition asked for, in the order asked',
            items: {
              type: 'object',
              required: ['partition', 'records', 'nextOffset', 'highWatermark', 'logStartOffset'],
              properties: {
                partition: { type: 'integer' },
                records: { type: 'array', items: { $ref: '#/components/schemas/Record' } },
                nextOffset: { type: 'integer', description: 'after the last record returned; the offset asked for if none was' },
                highWatermark: { type: 'integer' },
                logStartOffset: { type: 'integer' },
                error: {
                  type: 'object',
                  description: "this partition's offset is outside [logStartOffset, highWatermark]; the others are answered",
                  properties: { code: { const: 'offset_out_of_range' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      }),
      400: errorResponse('Invalid request (a partition the topic does not have, or named twice)'),
      404: errorResponse('Unknown topic'),
    },
  },
  wakeChannel: {
    summary:
      "Where an idle member's wake socket for this topic is (url, or null when the deployment has none). A WebSocket opened there with partitions=0,1,… receives one message {topic, partitions} after the next commit on any of them; the local server upgrades this path itself, and on AWS the url is the deployment's WebSocket API (IAM auth, presigned with SigV4)",
    parameters: [{ name: 'partitions', in: 'query', schema: { type: 'string', pattern: PARTITION_LIST_PATTERN.source }, description: 'comma-separated partitions (only on the socket URL)' }],
    responses: { 200: json({ type: 'object', properties: { url: { type: ['string', 'null'] } } }), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown topic') },
  },
  lookupOffset: {
    summary: 'Look up an offset: the first with timestamp ≥ T (or the high watermark), or earliest/latest',
    parameters: [intQuery('timestamp', 'milliseconds since the epoch'), { name: 'spec', in: 'query', schema: { enum: ['earliest', 'latest'] } }],
    responses: { 200: json({ type: 'object', properties: { offset: { type: 'integer' } } }), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown topic') },
  },
  // The consumer groups API; docs/groups-api.md describes the protocol behind it.
  listGroups: { summary: 'List groups', responses: { 200: json(object) } },
  describeGroup: { summary: 'Describe a group: members, owners, committed offsets and lag', responses: { 200: json(object), 404: errorResponse('Unknown group') } },
  deleteGroup: {
    summary: 'Delete a group without live members',
    responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown group'), 409: errorResponse('Group has live members') },
  },
  resetGroupOffsets: {
    summary: 'Reset committed offsets of a group without live members',
    requestBody: body(resetSchema),
    responses: { 200: json(object), 400: errorResponse('Invalid request'), 409: errorResponse('Group has live members') },
  },
  commitOffsets: {
    summary: 'Commit offsets, fenced by owner and epoch',
    requestBody: body(commitSchema),
    responses: { 200: json(object), 400: errorResponse('Invalid request'), 409: fenced() },
  },
  joinGroup: { summary: 'Join a group', requestBody: body(joinSchema), responses: { 200: json(object), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown topic') } },
  heartbeat: {
    summary: 'Renew the session and leases; take assigned free leases; learn of handoffs. An optional body names a new session (sessionTimeoutMs) to renew for and keep',
    requestBody: body(heartbeatSchema, false),
    responses: { 200: json(object), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown or expired member') },
  },
  releasePartitions: { summary: 'Commit and release partitions being handed off', requestBody: body(releaseSchema), responses: { 200: json(object), 409: fenced() } },
  leaveGroup: {
    summary: 'Leave: commit, release every lease at once',
    requestBody: body(leaveSchema, false),
    responses: { 200: json(object), 404: errorResponse('Unknown member') },
  },
  createSubscription: {
    summary: 'Create a push subscription: deliver a topic to a Lambda function or a webhook (docs/subscriptions.md)',
    requestBody: body(createSubscriptionSchema),
    responses: {
      201: json(object, 'Created; a webhook target shows its signing secret in this answer only'),
      400: errorResponse('Invalid request'),
      404: errorResponse('Unknown topic'),
      409: errorResponse('A subscription or a consumer group of that name exists'),
    },
  },
  listSubscriptions: { summary: 'List push subscriptions', responses: { 200: json({ type: 'object', properties: { subscriptions: { type: 'array', items: object } } }) } },
  describeSubscription: {
    summary: 'Describe a subscription: per partition the committed offset, lag, oldest undelivered age, attempts, last error, dead-lettered and expired counts',
    responses: { 200: json(object), 404: errorResponse('Unknown subscription') },
  },
  updateSubscription: {
    summary: 'Pause, resume or change the settings of a subscription',
    requestBody: body(updateSubscriptionSchema),
    responses: { 200: json(object), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown subscription'), 409: errorResponse('Changed meanwhile') },
  },
  deleteSubscription: { summary: 'Delete a subscription and its group', responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown subscription') } },
});

/** The route table's paths, each with its path parameters and one operation per method. */
function paths(): Record<string, Record<string, object>> {
  const described = operations();
  const out: Record<string, Record<string, object>> = {};
  for (const route of ROUTES) {
    const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => PATH_PARAMETERS[name!]!);
    const item = (out[route.path] ??= parameters.length ? { parameters } : {});
    item[route.method.toLowerCase()] = { operationId: route.operationId, ...described[route.operationId] };
  }
  return out;
}

let cached: object | undefined;

/** OpenAPI 3.1 description of the HTTP API; request bodies come from the same zod schemas that validate them. */
export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Runnel', version: '1', description: 'Serverless event streaming with Kafka semantics on S3 and DynamoDB.' },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: "A deployed stack: the Runnel construct's `url` (API Gateway HTTP API, $default stage)",
        variables: { apiId: { default: 'abc123' }, region: { default: 'us-east-1' } },
      },
      { url: 'http://127.0.0.1:7430', description: '`npm run dev`: the embedded local stack, no auth' },
    ],
    // A deployed stack authorizes every route one way: IAM (SigV4), the default, or a JWT authorizer
    // (the construct's `jwt` prop). The dev server checks neither.
    security: [{ sigv4: [] }, { jwt: [] }],
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service execute-api), checked by API Gateway IAM authorization; grant routes with the construct\'s grant* methods.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "A token from the issuer and for an audience given in the construct's `jwt` prop, checked by API Gateway's JWT authorizer.",
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
            },
          },
        },
        Record: record,
        Topic: topicView,
      },
    },
    paths: paths(),
  };
  return cached;
}
