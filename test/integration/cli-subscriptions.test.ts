import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const BIN = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));

/** Runs the real `runnel` bin, as a user's shell would. */
function runnel(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, RUNNEL_URL: url };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:take-payment';

describe.each(BACKENDS)('runnel subscriptions (%s)', (backend) => {
  let stack: TestStack;
  let served: ServedRunnel;
  beforeAll(async () => {
    stack = await createTestStack(backend);
    served = await serveRunnel(stack.runnel);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
  });
  afterAll(() => served.close());

  it('creates, lists, describes, pauses, resumes and deletes, in one line each', async () => {
    const created = await runnel(['subscriptions', 'create', 'payments', '--topic', 'orders', '--function', FUNCTION, '--from', 'earliest', '--max-attempts', '3', '--batch-size', '10'], served.url);
    expect(created).toMatchObject({ code: 0, stdout: `Created subscription payments: orders from earliest → function ${FUNCTION}; dead letters to payments.dlq.\n` });
    const hook = await runnel(['subs', 'create', 'email', '-t', 'orders', '--webhook', 'http://127.0.0.1:9/hook'], served.url);
    expect(hook.code).toBe(0);
    expect(hook.stdout).toMatch(/^Created subscription email: orders from latest → webhook http:\/\/127\.0\.0\.1:9\/hook; dead letters to email\.dlq\.\nSigning secret \(shown once\): whsec_[A-Za-z0-9+/=]+\n$/);
    const list = await runnel(['subscriptions', 'list'], served.url);
    expect(list.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['Subscription', 'Topic', 'State', 'Target'],
      ['email', 'orders', 'active', 'webhook http://127.0.0.1:9/hook'],
      ['payments', 'orders', 'active', `function ${FUNCTION}`],
    ]);
    const described = await runnel(['subscriptions', 'describe', 'payments'], served.url);
    expect(described.stdout).toContain('Batches of up to 10 (window 0 ms), 3 attempts with backoff 1000–60000 ms ×2, then payments.dlq');
    const json = JSON.parse((await runnel(['subscriptions', 'describe', 'payments', '--json'], served.url)).stdout);
    expect(json.partitions).toHaveLength(2);
    expect((await runnel(['subscriptions', 'pause', 'payments'], served.url)).stdout).toBe('Paused subscription payments.\n');
    expect((await stack.request('GET', '/v1/subscriptions/payments')).body.state).toBe('paused');
    expect((await runnel(['subscriptions', 'resume', 'payments'], served.url)).stdout).toBe('Resumed subscription payments.\n');
    expect((await runnel(['subscriptions', 'delete', 'payments'], served.url)).stdout).toBe('Deleted subscription payments.\n');
    expect((await stack.request('GET', '/v1/subscriptions/payments')).status).toBe(404);
  });

  it('fails in one line with a non-zero exit', async () => {
    const neither = await runnel(['subscriptions', 'create', 'x', '--topic', 'orders'], served.url);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr.trim().split('\n')).toHaveLength(1);
    expect(neither.stderr).toContain('--function <arn> or --webhook <url>');
    const unknown = await runnel(['subscriptions', 'describe', 'nope'], served.url);
    expect(unknown).toMatchObject({ code: 1, stderr: 'runnel: subscription "nope" does not exist (unknown_subscription)\n' });
    const badArn = await runnel(['subscriptions', 'create', 'x', '--topic', 'orders', '--function', 'not an arn'], served.url);
    expect(badArn.code).toBe(1);
    expect(badArn.stderr.trim().split('\n')).toHaveLength(1);
  });
});
