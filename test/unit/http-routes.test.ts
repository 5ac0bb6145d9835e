import { describe, expect, it } from 'vitest';
import { CONCERNS, ROUTES, routesOf } from '../../lib/contract/routes.js';
import { createApp } from '../../lib/http/app.js';
import { openApiDocument } from '../../lib/http/openapi.js';
import { createServices } from '../../lib/runtime.js';

// SDK clients connect on their first call; nothing here makes one.
const services = createServices({ region: 'us-east-1', bucket: 'b', topicsTable: 't', logTable: 'l', groupsTable: 'g' });
const served = (concerns = CONCERNS) =>
  createApp(services, concerns)
    .routes.filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`)
    .sort();
const expected = (routes: ReadonlyArray<{ method: string; path: string }>) => routes.map((r) => `${r.method} ${r.path.replace(/\{([^}]+)\}/g, ':$1')}`).sort();

describe('the HTTP app', () => {
  it('serves exactly the route table', () => {
    expect(served()).toEqual(expected(ROUTES));
  });

  it.each(CONCERNS)('serves exactly the %s routes for that concern', (concern) => {
    expect(served([concern])).toEqual(expected(routesOf(concern)));
  });
});

describe('the OpenAPI document', () => {
  it('describes each route of the table under its operationId, and nothing else', () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>> }).paths;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([key]) => key !== 'parameters')
        .map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
  });
});

describe('a method the path does not serve', () => {
  const request = (app: ReturnType<typeof createApp>, method: string, path: string) => app.request(path, { method });

  it('answers 405 with an Allow header that lists the methods of the route table on that path', async () => {
    const app = createApp(services);
    for (const [method, path, allow] of [
      ['PUT', '/v1/topics', 'POST, GET'],
      ['POST', '/v1/topics/orders', 'GET, DELETE'],
      ['GET', '/v1/topics/orders/records', 'POST'],
      ['DELETE', '/health', 'GET'],
      ['PATCH', '/v1/groups/g/members/m', 'DELETE'],
    ] as const) {
      const res = await request(app, method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.stringContaining(`allowed: ${allow}`) } });
    }
  });

  it('lists, in one function, the methods other functions serve on the same path', async () => {
    const res = await request(createApp(services, ['fetch']), 'PUT', '/v1/topics/orders/partitions/0/records');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    // POST and GET /v1/topics are the admin function's: the produce function's Allow still names them.
    const admin = await request(createApp(services, ['produce']), 'PUT', '/v1/topics');
    expect(admin.headers.get('allow')).toBe('POST, GET');
  });

  it('is still a 404 for a path no route has', async () => {
    const res = await request(createApp(services), 'GET', '/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
  });
});

describe('GET /health', () => {
  it('answers 200 with a small body, touching no storage', async () => {
    const res = await createApp(services).request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
