import { describe, expect, it } from 'vitest';
import { compareTopicPartitions, parseTopicPartitionKey, topicPartitionKey } from '../../lib/contract/topic-partition.js';
import { CONCERNS, ROUTES, pathOf, routeFor, routeOf, routesOf } from '../../lib/contract/routes.js';

describe('the route table', () => {
  it('names each operation once, in camelCase', () => {
    const ids = ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]*$/);
  });

  it('has each method and path once, and every route in one of the concerns', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(CONCERNS.flatMap((c) => routesOf(c))).toHaveLength(ROUTES.length);
  });

  it('builds paths with each parameter percent-encoded', () => {
    expect(pathOf('fetchRecords', { topic: 'a.b', partition: 10 })).toBe('/v1/topics/a.b/partitions/10/records');
    expect(pathOf('leaveGroup', { group: 'g/1', member: 'm 1' })).toBe('/v1/groups/g%2F1/members/m%201');
    expect(pathOf('listTopics', {})).toBe('/v1/topics');
  });

  it('matches a concrete request to its route as API Gateway would', () => {
    expect(routeFor('GET', '/v1/topics/orders/partitions/3/offsets')).toBe(routeOf('lookupOffset'));
    expect(routeFor('DELETE', '/v1/groups/g/members/m')).toBe(routeOf('leaveGroup'));
    expect(routeFor('PUT', '/v1/topics')).toBeUndefined();
    expect(routeFor('GET', '/v1/topics/a/b')).toBeUndefined();
  });
});

describe('topic partitions', () => {
  it('sort by topic, then by partition number: orders#2 before orders#10', () => {
    const tps = [10, 2, 11, 0, 1].map((partition) => ({ topic: 'orders', partition })).concat({ topic: 'audit', partition: 5 });
    expect(tps.sort(compareTopicPartitions).map(topicPartitionKey)).toEqual(['audit#5', 'orders#0', 'orders#1', 'orders#2', 'orders#10', 'orders#11']);
  });

  it('round-trip through their keys', () => {
    for (const tp of [{ topic: 'a', partition: 0 }, { topic: 'x.y-z_1', partition: 999 }]) expect(parseTopicPartitionKey(topicPartitionKey(tp))).toEqual(tp);
  });
});
