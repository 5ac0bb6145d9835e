import * as z from 'zod';
import { commitSchema, joinSchema, leaveSchema, releaseSchema, resetSchema } from '../groups/requests.js';
import { produceRequestSchema } from '../produce/produce-service.js';
import { createTopicSchema } from '../topics/topic-admin.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
const json = (s: object, description = 'OK') => ({ description, content: { 'application/json': { schema: s } } });
const topicParam = { name: 'topic', in: 'path', required: true, schema: { type: 'string' } };
const partitionParam = { name: 'partition', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } };
const intQuery = (name: string, description: string, required = false) => ({ name, in: 'query', required, description, schema: { type: 'integer', minimum: 0 } });

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

let cached: object | undefined;

/** OpenAPI 3.1 description of the HTTP API; request bodies come from the same zod schemas that validate them. */
export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Runnel', version: '1', description: 'Serverless event streaming with Kafka semantics on S3 and DynamoDB.' },
    components: {
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
    paths: {
      '/v1/topics': {
        post: {
          summary: 'Create a topic',
          requestBody: { required: true, content: { 'application/json': { schema: schema(createTopicSchema) } } },
          responses: { 201: json(topicView, 'Created'), 400: errorResponse('Invalid request'), 409: errorResponse('Topic exists') },
        },
        get: { summary: 'List topics', responses: { 200: json({ type: 'object', properties: { topics: { type: 'array', items: topicView } } }) } },
      },
      '/v1/topics/{topic}': {
        parameters: [topicParam],
        get: {
          summary: 'Describe a topic, with logStartOffset and highWatermark per partition',
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
                      items: { type: 'object', properties: { partition: { type: 'integer' }, logStartOffset: { type: 'integer' }, highWatermark: { type: 'integer' } } },
                    },
                  },
                },
              ],
            }),
            404: errorResponse('Unknown topic'),
          },
        },
        delete: { summary: 'Delete a topic; its data is purged in the background', responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown topic') } },
      },
      '/v1/topics/{topic}/records': {
        parameters: [topicParam],
        post: {
          summary: 'Produce records; answered once they are durable in S3 and committed in DynamoDB',
          requestBody: { required: true, content: { 'application/json': { schema: schema(produceRequestSchema) } } },
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
          },
        },
      },
      '/v1/topics/{topic}/partitions/{partition}/records': {
        parameters: [topicParam, partitionParam],
        get: {
          summary: 'Fetch records from an offset, optionally long-polling for new ones',
          parameters: [
            intQuery('offset', 'first offset to return', true),
            intQuery('limit', 'most records to return (default 500, at most 10000)'),
            intQuery('maxBytes', 'most bytes of record JSON to return, headers and base64 included (default 1 MiB, at most 4 MiB); at least one record is always returned'),
            intQuery('waitMs', 'when at the high watermark, wait up to this long for new records (at most 20000)'),
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
      },
      '/v1/topics/{topic}/partitions/{partition}/offsets': {
        parameters: [topicParam, partitionParam],
        get: {
          summary: 'Look up an offset: the first with timestamp ≥ T (or the high watermark), or earliest/latest',
          parameters: [intQuery('timestamp', 'milliseconds since the epoch'), { name: 'spec', in: 'query', schema: { enum: ['earliest', 'latest'] } }],
          responses: { 200: json({ type: 'object', properties: { offset: { type: 'integer' } } }), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown topic') },
        },
      },
      ...groupPaths(),
    },
  };
  return cached;
}

const groupParam = { name: 'group', in: 'path', required: true, schema: { type: 'string' } };
const memberParam = { name: 'member', in: 'path', required: true, schema: { type: 'string' } };
const body = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } });
const object = { type: 'object' };

/** The consumer groups API; docs/groups-api.md describes the protocol behind it. */
function groupPaths(): Record<string, object> {
  const fenced = errorResponse('A partition is not held by this member at that epoch (stale_epoch / not_owner)');
  return {
    '/v1/groups': { get: { summary: 'List groups', responses: { 200: json(object) } } },
    '/v1/groups/{group}': {
      parameters: [groupParam],
      get: { summary: 'Describe a group: members, owners, committed offsets and lag', responses: { 200: json(object), 404: errorResponse('Unknown group') } },
      delete: { summary: 'Delete a group without live members', responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown group'), 409: errorResponse('Group has live members') } },
    },
    '/v1/groups/{group}/members': {
      parameters: [groupParam],
      post: { summary: 'Join a group', requestBody: body(joinSchema), responses: { 200: json(object), 400: errorResponse('Invalid request'), 404: errorResponse('Unknown topic') } },
    },
    '/v1/groups/{group}/members/{member}': {
      parameters: [groupParam, memberParam],
      delete: { summary: 'Leave: commit, release every lease at once', requestBody: { ...body(leaveSchema), required: false }, responses: { 200: json(object), 404: errorResponse('Unknown member') } },
    },
    '/v1/groups/{group}/members/{member}/heartbeat': {
      parameters: [groupParam, memberParam],
      post: { summary: 'Renew the session and leases; take assigned free leases; learn of handoffs', responses: { 200: json(object), 404: errorResponse('Unknown or expired member') } },
    },
    '/v1/groups/{group}/members/{member}/release': {
      parameters: [groupParam, memberParam],
      post: { summary: 'Commit and release partitions being handed off', requestBody: body(releaseSchema), responses: { 200: json(object), 409: fenced } },
    },
    '/v1/groups/{group}/commits': {
      parameters: [groupParam],
      post: { summary: 'Commit offsets, fenced by owner and epoch', requestBody: body(commitSchema), responses: { 200: json(object), 400: errorResponse('Invalid request'), 409: fenced } },
    },
    '/v1/groups/{group}/offsets': {
      parameters: [groupParam],
      post: { summary: 'Reset committed offsets of a group without live members', requestBody: body(resetSchema), responses: { 200: json(object), 400: errorResponse('Invalid request'), 409: errorResponse('Group has live members') } },
    },
  };
}
