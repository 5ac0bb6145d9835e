import { describe, expect, it } from 'vitest';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('topic delete (%s)', (backend) => {
  it('an instance with the topic cached gets no 200 for records that the purge then removes', async () => {
    const deleter = await createTestStack(backend);
    expect((await deleter.request('POST', '/v1/topics', { name: 'd', partitions: 2 })).status).toBe(201);
    const cached = deleter.another();
    // The other instance has the topic in its cache from a produce a moment ago.
    expect((await cached.request('POST', '/v1/topics/d/records', { records: [{ value: 'before', partition: 0 }] })).status).toBe(200);

    // Right when the delete removes the topic item, the cached instance produces to both partitions.
    const statuses: number[] = [];
    (deleter.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        const result = await next(args);
        if (context.commandName === 'DeleteItemCommand' && args.input.TableName === deleter.config.topicsTable && args.input.Key?.name?.S === 'd') {
          for (const partition of [0, 1]) {
            statuses.push((await cached.request('POST', '/v1/topics/d/records', { records: [{ value: 'during', partition }] })).status);
          }
        }
        return result;
      },
      { step: 'initialize', name: 'produce-while-deleting' },
    );
    expect((await deleter.request('DELETE', '/v1/topics/d')).status).toBe(204);
    expect(statuses).toEqual([404, 404]);
    expect(await deleter.runnel.purge()).toBe(1);
  });
});
