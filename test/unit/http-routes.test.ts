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
