import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Metafile } from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLES, METAFILE, ROOT } from '../../bin/build.js';
import { MAINTENANCE_S3_COMMANDS } from '../../cdk/bundling/api-s3-requests.js';
import type { WakeSocketFunction } from '../../cdk/functions.js';
import { CONCERNS, type Concern } from '../../lib/contract/routes.js';
import { openApiDocument } from '../../lib/http/openapi.js';
import { hostBundle } from '../support/bundle-host.js';
import { apiGatewayEvent } from '../support/lambda-bundles.js';

/**
 * What each API function's bundle holds, from esbuild's metafile of the bundles the construct deploys
 * (dist/lambdas, rebuilt by test/support/lambda-bundles-setup.ts whenever a source changed): its own
 * concern's routes and nothing that mounts or wires the others, so that the per-concern split
 * (lib/http/functions) cannot silently regress into one app per function.
 *
 * The size ceilings are the bundles' sizes today with a little room, so that growth fails here (issue 10
 * asks each API function for under 400 KB; BENCHMARKS.md, "Cold starts", says where their bytes go).
 * `npm run bench` reports the target.
 */
const MAX_BUNDLE_BYTES: Record<Concern | WakeSocketFunction, number> = {
  // fetch (and every API function): + 0.1 KB for copying the views a remembered segment would keep of a CBOR body (lib/log/segment-store.ts).
  fetch: 366_000,
  // produce: + 6.5 KB for the CBOR body (its decoder, schemas and the check that spares zod the client's shape); each API function + 0.8 KB for reading
  // a Lambda event's base64 body once (lib/http/request-body.ts) and the content-type rule that admits CBOR.
  // produce, groups, admin: + 0.5 KB for the storage clients' pooled middleware (lib/storage/middleware-cache.ts,
  // -0.5 to -0.8 ms of CPU per batch).
  // produce: + 0.5 KB for the CBOR decoder's bound on arrays, maps and byte strings (lib/codec/cbor.ts, MAX_CBOR_OBJECTS).
  produce: 375_000,
  groups: 383_500,
  admin: 389_000,
  'wake-connect': 295_500,
  'wake-notifier': 212_500,
};

/** The route modules (lib/http/routes) of each concern. */
const ROUTE_MODULES: Record<Concern, string[]> = {
  admin: ['topics', 'subscriptions', 'meta'],
  produce: ['produce'],
  fetch: ['fetch'],
  groups: ['groups'],
};

/** Modules that mount or wire every concern: the local server's and the scheduled functions', never an API function's. */
const WHOLE_SERVICE = ['lib/http/app.ts', 'lib/runtime.ts'];

const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
const bundleOf = (fn: Concern | WakeSocketFunction | 'dispatcher') => meta.outputs[`dist/lambdas/${fn}/index.mjs`]!;

/** Every module a function's handler imports, directly or not, whether or not esbuild kept any of its code. */
function inputsOf(fn: Concern | WakeSocketFunction | 'dispatcher'): string[] {
  const seen = new Set([bundleOf(fn).entryPoint!]);
  for (const file of seen) for (const { path } of meta.inputs[file]?.imports ?? []) if (meta.inputs[path]) seen.add(path);
  return [...seen];
}


/** lib/'s TypeScript sources, parsed. */
function libSources(dir = join(ROOT, 'lib')): ts.SourceFile[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return libSources(path);
    return f.endsWith('.ts') ? [ts.createSourceFile(relative(ROOT, path), readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)] : [];
  });
}

function forEachNode(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => forEachNode(child, visit));
}

/** The name of the function or method that `node` is in; '' at a module's top level. */
function enclosingName(node: ts.Node): string {
  for (let n = node.parent; n; n = n.parent) {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isPropertyDeclaration(n)) && n.name) return n.name.getText();
    if (ts.isVariableDeclaration(n) && n.initializer && (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))) return n.name.getText();
  }
  return '';
}

/**
 * Where lib/ sends one of `commands`: the functions and methods that construct one, with those of the same
 * module that use them (by name), and the modules elsewhere that use any of those (by name, whatever the
 * receiver: more than the real callers, never fewer).
 */
function sendersOf(commands: readonly string[]): { owners: Map<string, Set<string>>; users: Set<string> } {
  const sources = libSources();
  const owners = new Map<string, Set<string>>();
  for (const source of sources) {
    const names = new Set<string>();
    forEachNode(source, (n) => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && commands.includes(n.expression.text)) names.add(enclosingName(n));
    });
    for (let before = -1; names.size > 0 && before !== names.size; ) {
      before = names.size;
      forEachNode(source, (n) => {
        if ((ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) && names.has(n.text) && !ts.isMethodDeclaration(n.parent) && !ts.isFunctionDeclaration(n.parent)) names.add(enclosingName(n));
      });
    }
    if (names.size > 0) owners.set(source.fileName, names);
  }
  const sent = new Set([...owners.values()].flatMap((names) => [...names]));
  const users = new Set<string>();
  for (const source of sources) {
    if (owners.has(source.fileName)) continue;
    forEachNode(source, (n) => {
      if (ts.isIdentifier(n) && sent.has(n.text)) users.add(source.fileName);
    });
  }
  return { owners, users };
}

describe('the API functions’ bundles', () => {
  it('know every route module', () => {
    const modules = readdirSync(join(ROOT, 'lib/http/routes')).map((f) => basename(f, '.ts')).filter((m) => m !== 'handlers');
    expect(modules.sort()).toEqual(Object.values(ROUTE_MODULES).flat().sort());
  });

  for (const concern of CONCERNS) {
    describe(concern, () => {
      it('holds its own route modules and no other concern’s', () => {
        const routes = inputsOf(concern)
          .map((f) => /^lib\/http\/routes\/(\w+)\.ts$/.exec(f)?.[1])
          .filter((m) => m !== undefined);
        expect(routes.sort()).toEqual([...ROUTE_MODULES[concern]].sort());
      });

      it('imports nothing that mounts or wires every concern, nor the dispatcher’s Lambda client', () => {
        const inputs = inputsOf(concern);
        expect(inputs.filter((f) => WHOLE_SERVICE.includes(f))).toEqual([]);
        expect(inputs.filter((f) => f.includes('/@aws-sdk/client-lambda/') || f.startsWith('lib/subscriptions/dispatcher'))).toEqual([]);
      });

      it('holds nothing that sends the S3 requests cdk/bundling/api-s3-requests.ts leaves to maintenance', () => {
        const { owners, users } = sendersOf(MAINTENANCE_S3_COMMANDS);
        const inputs = inputsOf(concern);
        // The modules that send them: none runs one at load, and what else uses their senders is in no API function.
        expect([...owners.keys()].sort()).toEqual(['lib/log/segment-store.ts', 'lib/storage/provision.ts']);
        expect([...owners.values()].filter((names) => names.has(''))).toEqual([]);
        expect([...users].filter((f) => inputs.includes(f))).toEqual([]);
      });

      it(`stays under ${MAX_BUNDLE_BYTES[concern] / 1000} KB`, () => {
        expect(bundleOf(concern).bytes).toBeLessThan(MAX_BUNDLE_BYTES[concern]);
      });
    });
  }
});

describe('the admin function’s bundle', () => {
  it('serves the OpenAPI document byte for byte as lib/http/openapi.ts builds it, without zod’s JSON Schema generator (cdk/bundling/prebuilt-openapi.ts)', async () => {
    expect(inputsOf('admin')).toContain('lib/http/openapi.ts');
    expect(Object.keys(bundleOf('admin').inputs).filter((f) => /zod[\\/].*json-schema/.test(f))).toEqual([]);
    // Storage is never reached by this route: the names only have to be there.
    const host = await hostBundle(join(LAMBDA_BUNDLES, 'admin/index.mjs'), 'admin', { AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    try {
      const url = new URL('https://abc123.execute-api.eu-west-3.amazonaws.com/openapi.json');
      for (let i = 0; i < 2; i++) {
        const { result } = await host.invoke(apiGatewayEvent({ method: 'GET', url, headers: {}, routeKey: 'GET /openapi.json' }));
        expect(result.statusCode).toBe(200);
        expect(result.body).toBe(JSON.stringify(openApiDocument()));
      }
    } finally {
      await host.close();
    }
  });
});

describe('the wake sockets’ $connect bundle', () => {
  it('holds no route module, nothing that wires every concern, and neither the dispatcher nor its clients', () => {
    const inputs = inputsOf('wake-connect');
    expect(inputs.filter((f) => f.startsWith('lib/http/') || WHOLE_SERVICE.includes(f) || f.startsWith('lib/subscriptions/'))).toEqual([]);
    expect(inputs.filter((f) => f.includes('/@aws-sdk/client-lambda/') || f.includes('/@aws-sdk/client-apigatewaymanagementapi/'))).toEqual([]);
  });

  it(`stays under ${MAX_BUNDLE_BYTES['wake-connect'] / 1000} KB`, () => {
    expect(bundleOf('wake-connect').bytes).toBeLessThan(MAX_BUNDLE_BYTES['wake-connect']);
  });
});

describe('the wake notifier’s bundle', () => {
  it('holds the Management API client and the DynamoDB client, and no S3 client, route, dispatcher or Lambda client', () => {
    const inputs = inputsOf('wake-notifier');
    expect(inputs.some((f) => f.includes('/@aws-sdk/client-apigatewaymanagementapi/'))).toBe(true);
    expect(inputs.some((f) => f.includes('/@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(inputs.filter((f) => f.includes('/@aws-sdk/client-s3/') || f.includes('/@aws-sdk/client-lambda/'))).toEqual([]);
    expect(inputs.filter((f) => f.startsWith('lib/http/') || WHOLE_SERVICE.includes(f) || f.startsWith('lib/subscriptions/dispatcher'))).toEqual([]);
  });

  it('is the only one that posts wakes: the dispatcher’s bundle holds no Management API client', () => {
    expect(inputsOf('dispatcher').filter((f) => f.includes('/@aws-sdk/client-apigatewaymanagementapi/') || ['lib/wake/socket-waker.ts', 'lib/wake/connection-poster.ts'].includes(f))).toEqual([]);
  });

  it(`stays under ${MAX_BUNDLE_BYTES['wake-notifier'] / 1000} KB`, () => {
    expect(bundleOf('wake-notifier').bytes).toBeLessThan(MAX_BUNDLE_BYTES['wake-notifier']);
  });
});
