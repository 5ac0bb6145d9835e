import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldSign } from '../remote/signing.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('test:remote signing', () => {
  it('signs a deployment, and not a loopback URL, unless told otherwise', () => {
    const none = { sign: false, noSign: false };
    for (const url of ['http://127.0.0.1:7430', 'http://localhost:7430/', 'http://LOCALHOST', 'http://[::1]:7430', 'http://127.1.2.3:80']) expect(shouldSign(url, none), url).toBe(false);
    for (const url of ['https://abc123.execute-api.eu-west-1.amazonaws.com/', 'http://abc.execute-api.localhost.localstack.cloud:4566/', 'http://127.0.0.1.nip.io/', 'http://localhost.example.com']) expect(shouldSign(url, none), url).toBe(true);
    expect(shouldSign('http://localhost:4566/_aws/execute-api/abc/', { sign: true, noSign: false })).toBe(true);
    expect(shouldSign('https://abc123.execute-api.eu-west-1.amazonaws.com/', { sign: false, noSign: true })).toBe(false);
    expect(() => shouldSign('http://127.0.0.1', { sign: true, noSign: true })).toThrow('give --sign or --no-sign, not both');
  });
});

describe.each(BACKENDS)('npm run test:remote against a loopback URL (%s)', (backend) => {
  let served: ServedRunnel;
  beforeAll(async () => {
    served = await serveRunnel((await createTestStack(backend)).runnel);
  });
  afterAll(() => served.close());

  it('passes every check with no signing flag and no AWS credentials or region', async () => {
    // Without credentials a signed request could not be made: passing proves nothing was signed.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_OPTIONS'));
    const child = spawn('npm', ['run', '--silent', 'test:remote', '--', '--url', served.url], { cwd: ROOT, env: { ...env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain(`Runnel black-box checks against ${served.url}, unsigned`);
    expect(out).toMatch(/^all \d+ checks passed$/m);
  });
});
