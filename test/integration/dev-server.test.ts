import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type EmbeddedStack } from '../../lib/local/embedded.js';
import { startDynamoDbLocal } from '../../lib/local/emulators.js';
import { rawRequest } from '../support/raw-http.js';

/** Runs a script to its end; resolves with its exit code and output. */
function run(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const devServer = (env: Record<string, string>) => run(['--import', 'tsx', 'lib/local/dev.ts'], { RUNNEL_LOG_LEVEL: 'SILENT', ...env });

/** One HTTP request with full control of the headers (fetch will not send a chosen Host). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the emulators' refusals are plain text
        }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('dev server start-up errors (bug 12)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runnel-dev-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('port in use: one line that names PORT, and exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await devServer({ RUNNEL_DATA_DIR: join(dataDir, 'a'), PORT: String(port) });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^runnel dev: port ${port} .*in use.*set PORT`))]);
    } finally {
      blocker.close();
    }
  });

  it('a PORT that is not a port: one line, and exit 1', async () => {
    const { code, stderr } = await devServer({ RUNNEL_DATA_DIR: join(dataDir, 'b'), PORT: 'http' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^runnel dev: PORT must be a port number/)]);
  });

  it('data directory in use by another dev server: one line that names RUNNEL_DATA_DIR, and exit 1; the first keeps serving', async () => {
    const dir = join(dataDir, 'shared');
    const first = spawn(process.execPath, ['--import', 'tsx', 'lib/local/dev.ts'], { env: { ...process.env, RUNNEL_DATA_DIR: dir, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        first.stdout!.on('data', (d) => {
          out += d;
          const m = /running at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        first.once('exit', (code) => reject(new Error(`first dev server exited with ${code}`)));
      });
      const second = await devServer({ RUNNEL_DATA_DIR: dir, PORT: '0' });
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^runnel dev: data directory .* is in use by another dev server .*RUNNEL_DATA_DIR/)]);
      expect((await fetch(`${url}/v1/topics`)).status).toBe(200);
    } finally {
      first.kill('SIGTERM');
      await exited;
    }
    // Stopped cleanly, it released the directory.
    const third = await devServer({ RUNNEL_DATA_DIR: dir, PORT: 'x' });
    expect(third.stderr).not.toMatch(/in use/);
  });

  it('no Java: DynamoDB Local fails with a message that says so, and the test run stops with one line', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(/needs Java.*no `java` was found on PATH/);
    } finally {
      process.env.PATH = path;
    }
    const script = "import setup from './test/support/global-setup.ts'; await setup({ provide() {} });";
    const { code, stderr } = await run(['--import', 'tsx', '--input-type=module', '-e', script], { PATH: '/nonexistent' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^runnel tests: DynamoDB Local needs Java/)]);
  });
});

describe('the dev server refuses web pages (bug 17)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runnel-dev-guard-'));
  let stack: EmbeddedStack;
  beforeAll(async () => {
    stack = await startEmbeddedStack({ dataDir, port: 0, allowedHosts: ['localhost', '127.0.0.1', '[::1]', 'runnel.test'] });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const topics = async () => (await send(`${stack.url}/v1/topics`, 'GET', {})).body.topics.map((t: any) => t.name);

  it('refuses a body that is not declared application/json: a cross-site form or text/plain POST does nothing', async () => {
    const body = JSON.stringify({ name: 'csrf', partitions: 1 });
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await send(`${stack.url}/v1/topics`, 'POST', { 'content-type': type }, body);
      expect(res.status, type).toBe(415);
      expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    }
    const untyped = await send(`${stack.url}/v1/topics`, 'POST', {}, body);
    expect(untyped.status).toBe(415);
    expect(await topics()).not.toContain('csrf');
    expect((await send(`${stack.url}/v1/topics`, 'POST', { 'content-type': 'application/json' }, body)).status).toBe(201);
  });

  it('refuses a Host header that is not a loopback name or a configured one (DNS rebinding)', async () => {
    const { port } = new URL(stack.url);
    for (const host of ['evil.example', `evil.example:${port}`, '192.168.1.20', `localhost.evil.example:${port}`]) {
      const res = await send(`${stack.url}/v1/topics`, 'GET', { host });
      expect(res.status, host).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden_host', field: 'host' });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST', `runnel.test:${port}`]) {
      expect((await send(`${stack.url}/v1/topics`, 'GET', { host })).status, host).toBe(200);
    }
    // An absolute request target names a loopback host, but the Host header does not.
    const absolute = await rawRequest(stack.url, `GET http://127.0.0.1:${port}/v1/topics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(absolute !== 'closed' && absolute.status).toBe(403);
  });

  it('refuses a request a web page sends (an Origin that is not an allowed host), even without a body', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
      const res = await send(`${stack.url}/v1/topics`, 'POST', { origin, 'content-type': 'application/json' }, JSON.stringify({ name: 'from-page', partitions: 1 }));
      expect(res.status, origin).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden_origin', field: 'origin' });
    }
    expect(await topics()).not.toContain('from-page');
  });

  it('keeps the emulators out of a browser’s reach: no CORS, no Origin, no foreign Host', async () => {
    const endpoints = [stack.runnel.config.dynamoDbEndpoint!, stack.runnel.config.s3Endpoint!];
    for (const endpoint of endpoints) {
      const listTables = JSON.stringify({});
      const dynamoHeaders = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', authorization: 'AWS4-HMAC-SHA256 Credential=any/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' };
      const preflight = await send(endpoint, 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      expect(preflight.status, endpoint).toBe(403);
      const fromPage = await send(endpoint, 'POST', { ...dynamoHeaders, origin: 'https://evil.example' }, listTables);
      expect(fromPage.status, endpoint).toBe(403);
      const rebound = await send(endpoint, 'POST', { ...dynamoHeaders, host: 'evil.example' }, listTables);
      expect(rebound.status, endpoint).toBe(403);
      const noCors = await send(endpoint, 'GET', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'cross-site' });
      expect(noCors.status, endpoint).toBe(403);
    }
    // The SDK, which sends none of these, still gets through.
    expect((await send(`${stack.url}/v1/topics`, 'GET', {})).status).toBe(200);
  });
});

/** `npm run dev` in a child process with `env`; `stop()` ends it with Ctrl-C and answers everything it printed. */
async function startDev(env: Record<string, string>): Promise<{ url: string; stop(): Promise<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/dev.ts'], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      return out;
    },
  };
}

/** The request lines among what the dev server printed: Powertools' JSON lines whose message is "request". */
const requestLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.message === 'request');

describe('the dev server logs each request', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runnel-dev-log-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('one line per request with method, path, status and ms, through the Powertools logger', async () => {
    const dev = await startDev({ RUNNEL_DATA_DIR: join(dataDir, 'info'), RUNNEL_LOG_LEVEL: 'INFO' });
    let output: string;
    try {
      expect((await send(`${dev.url}/health`, 'GET', {})).status).toBe(200);
      expect((await send(`${dev.url}/v1/topics/none`, 'GET', {})).status).toBe(404);
      expect((await send(`${dev.url}/v1/topics`, 'PUT', {})).status).toBe(405);
    } finally {
      output = await dev.stop();
    }
    const lines = requestLines(output);
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['GET', '/health', 200],
      ['GET', '/v1/topics/none', 404],
      ['PUT', '/v1/topics', 405],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 'INFO', service: 'runnel' });
      expect(typeof line.ms === 'number' && line.ms >= 0).toBe(true);
    }
  });

  it('RUNNEL_LOG_LEVEL=SILENT silences them', async () => {
    const dev = await startDev({ RUNNEL_DATA_DIR: join(dataDir, 'silent'), RUNNEL_LOG_LEVEL: 'SILENT' });
    let output: string;
    try {
      expect((await send(`${dev.url}/health`, 'GET', {})).status).toBe(200);
    } finally {
      output = await dev.stop();
    }
    expect(output).toMatch(/running at/);
    expect(requestLines(output)).toEqual([]);
  });
});
