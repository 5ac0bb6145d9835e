import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../lib/cli/program.js';
import { Runnel } from '../../lib/client/index.js';
import { serveRunnel, type ServedRunnel } from '../support/http-server.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

const BIN = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `runnel` bin as a child process, as a user's shell would. */
function runnel(args: string[], options: { url?: string; input?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, RUNNEL_URL: options.url ?? 'http://127.0.0.1:9' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/** A table row's cells (tables are borderless columns). */
const cells = (row: string) => row.trim().split(/\s{2,}/);

describe('runnel CLI without a server', () => {
  it('has --help on every command', async () => {
    // In process, since every command would otherwise cost a process start; the bin itself is run below.
    const commands = [[], ['topics'], ['topics', 'create'], ['topics', 'list'], ['topics', 'describe'], ['topics', 'delete'], ['produce'], ['consume'], ['groups'], ['groups', 'list'], ['groups', 'describe'], ['groups', 'reset-offsets'], ['groups', 'delete']];
    for (const command of commands) {
      let out = '';
      const program = buildProgram();
      const quiet = (c: Command): void => {
        c.exitOverride().configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (out += text) });
        c.commands.forEach(quiet);
      };
      quiet(program);
      const err = await program.parseAsync(['node', 'runnel', ...command, '--help']).catch((e) => e);
      expect(err, command.join(' ')).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
      expect(out).toContain(`Usage: runnel${command.length ? ` ${command.join(' ')}` : ''}`);
    }
    const viaBin = await runnel(['consume', '--help']);
    expect(viaBin.code).toBe(0);
    expect(viaBin.stdout).toContain('Usage: runnel consume [options] <topic>');
  });

  it('reports usage errors and an unreachable endpoint in one line with a non-zero exit', async () => {
    const unknown = await runnel(['topics', 'frob']);
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)).toEqual(["runnel: unknown command 'frob'"]);
    const badOption = await runnel(['consume', 't', '--max-messages', 'lots']);
    expect(badOption.code).toBe(1);
    expect(lines(badOption.stderr)).toEqual(["runnel: option '-n, --max-messages <n>' argument 'lots' is invalid. expected a positive integer"]);
    const offline = await runnel(['topics', 'list'], { url: 'http://127.0.0.1:9' });
    expect(offline.code).toBe(1);
    expect(lines(offline.stderr)).toHaveLength(1);
    expect(offline.stderr).toMatch(/^runnel: GET http:\/\/127\.0\.0\.1:9\/v1\/topics: /);
  });
});

describe.each(BACKENDS)('runnel CLI round trips (%s)', (backend) => {
  let served: ServedRunnel;
  let url: string;

  beforeAll(async () => {
    served = await serveRunnel((await createTestStack(backend)).runnel);
    url = served.url;
  });
  afterAll(() => served.close());

  it('topics create → produce from stdin → consume from the beginning → consume as a group → groups describe', async () => {
    const created = await runnel(['topics', 'create', 'orders', '--partitions', '3', '-c', 'retention.ms=3600000'], { url });
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic orders with 3 partitions.\n' });
    expect(cells(lines((await runnel(['topics', 'list'], { url })).stdout)[1]!)).toEqual(['orders', '3', expect.any(String)]);

    const input = Array.from({ length: 30 }, (_, i) => `k${i % 7}\tvalue ${i}`);
    const produced = await runnel(['produce', 'orders', '--format', 'kv'], { url, input: `${input.join('\n')}\n` });
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toMatch(/^Produced 30 records to orders in [\d.]+ s\.\n$/);

    const consumed = await runnel(['consume', 'orders', '--from-beginning'], { url });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(lines(consumed.stdout).sort()).toEqual([...input].sort());
    // Within a key (so within a partition) the order is the order produced.
    for (const key of ['k0', 'k3']) expect(lines(consumed.stdout).filter((l) => l.startsWith(`${key}\t`))).toEqual(input.filter((l) => l.startsWith(`${key}\t`)));

    const described = await runnel(['topics', 'describe', 'orders'], { url });
    expect(described.stdout).toMatch(/retention\.ms\s+3600000/);
    expect(cells(lines(described.stdout).at(-1)!)).toEqual(['total', '30']);

    const asGroup = await runnel(['consume', 'orders', '--group', 'billing'], { url });
    expect(asGroup.code, asGroup.stderr).toBe(0);
    expect(lines(asGroup.stdout).sort()).toEqual([...input].sort());
    expect(asGroup.stderr).toBe('Consumed 30 records from orders as group billing.\n');

    const group = await runnel(['groups', 'describe', 'billing'], { url });
    expect(group.code, group.stderr).toBe(0);
    const [summary, header, ...rows] = lines(group.stdout);
    expect(summary).toBe('Group billing: empty, 0 live members, total lag 0');
    expect(cells(header!)).toEqual(['Topic', 'Partition', 'Owner', 'Committed', 'High watermark', 'Lag', 'Handoff']);
    expect(rows.map(cells).map(([topic, , , committed, hw, lag]) => [topic, committed === hw, lag])).toEqual([
      ['orders', true, '0'],
      ['orders', true, '0'],
      ['orders', true, '0'],
    ]);
    expect(lines((await runnel(['groups', 'list'], { url })).stdout).slice(1).map(cells)).toEqual([['billing', '0', expect.any(String)]]);

    const reset = await runnel(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest'], { url });
    expect(reset.code, reset.stderr).toBe(0);
    expect(lines(reset.stdout).slice(1).map(cells)).toEqual([0, 1, 2].map((p) => ['orders', String(p), '0']));
    expect(lines((await runnel(['groups', 'describe', 'billing'], { url })).stdout)[0]).toBe('Group billing: empty, 0 live members, total lag 30');

    const five = await runnel(['consume', 'orders', '--group', 'billing', '--max-messages', '5'], { url });
    expect(lines(five.stdout)).toHaveLength(5);
    expect(lines((await runnel(['groups', 'describe', 'billing'], { url })).stdout)[0]).toBe('Group billing: empty, 0 live members, total lag 25');
  });

  it('consume --format json round-trips through produce --format json, bytes and headers included', async () => {
    await runnel(['topics', 'create', 'src'], { url });
    await runnel(['topics', 'create', 'copy'], { url });
    const records = [
      { key: 'a', value: { n: 1 }, headers: { trace: 't1' } },
      { key: null, value: 'plain' },
      { key: '//8=', keyEncoding: 'base64', value: 'AAEC/w==', valueEncoding: 'base64' },
      { key: 'gone', value: null },
    ];
    const into = await runnel(['produce', 'src'], { url, input: records.map((r) => JSON.stringify(r)).join('\n') });
    expect(into.code, into.stderr).toBe(0);
    const first = await runnel(['consume', 'src', '-o', 'json'], { url });
    const copied = await runnel(['produce', 'copy', '-q'], { url, input: first.stdout });
    expect(copied).toMatchObject({ code: 0, stderr: '' });
    const second = await runnel(['consume', 'copy', '-o', 'json', '-q'], { url });
    const strip = (text: string) => lines(text).map((l) => ({ ...JSON.parse(l), topic: undefined, timestamp: undefined }));
    expect(strip(second.stdout)).toEqual(strip(first.stdout));
    expect(lines(second.stdout).map((l) => JSON.parse(l))).toMatchObject(records.map((r) => ({ ...r, headers: r.headers ?? {} })));
  });

  it('consume --follow prints records produced while it follows, and stops at --max-messages', async () => {
    await runnel(['topics', 'create', 'live', '-p', '2'], { url });
    const plain = runnel(['consume', 'live', '--follow', '--from-beginning', '--max-messages', '3'], { url });
    const grouped = runnel(['consume', 'live', '--follow', '--from-beginning', '--group', 'tail', '--max-messages', '3'], { url });
    const client = new Runnel({ url });
    // Once the group consumer holds its partitions it is following; the plain one started with it.
    const following = async () => (await client.admin().describeGroup('tail').catch(() => undefined))?.members.length === 1;
    while (!(await following())) await new Promise((r) => setTimeout(r, 100));
    const producer = client.producer();
    for (const value of ['a', 'b', 'c']) await producer.send({ topic: 'live', messages: [{ key: value, value }] });
    for (const run of await Promise.all([plain, grouped])) {
      expect(run.code, run.stderr).toBe(0);
      expect(lines(run.stdout).sort()).toEqual(['a\ta', 'b\tb', 'c\tc']);
    }
  });

  it('consume from an offset or a timestamp, and fail clearly on bad input', async () => {
    await runnel(['topics', 'create', 'seek'], { url });
    await runnel(['produce', 'seek'], { url, input: [1, 2, 3, 4].map((i) => JSON.stringify({ value: i, timestamp: i * 1000 })).join('\n') });
    expect(lines((await runnel(['consume', 'seek', '--partition', '0', '--offset', '2'], { url })).stdout)).toEqual(['3', '4']);
    expect(lines((await runnel(['consume', 'seek', '--timestamp', '1970-01-01T00:00:02.500Z'], { url })).stdout)).toEqual(['3', '4']);

    const badLine = await runnel(['produce', 'seek'], { url, input: '{"value":5}\nnot json\n{"value":6}\n' });
    expect(badLine.code).toBe(1);
    expect(lines(badLine.stderr)).toEqual(['Produced 1 record to seek before the error.', expect.stringMatching(/^runnel: line 2: not valid JSON/)]);
    expect(lines((await runnel(['consume', 'seek'], { url })).stdout)).toEqual(['1', '2', '3', '4', '5']);

    const missing = await runnel(['consume', 'nope'], { url });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['runnel: topic "nope" does not exist (unknown_topic)']);
    const invalid = await runnel(['topics', 'create', 'bad name'], { url });
    expect(invalid.code).toBe(1);
    expect(lines(invalid.stderr)).toEqual(['runnel: name: may contain only letters, digits, ".", "_" and "-" (invalid_request)']);
    const offsetOnly = await runnel(['consume', 'seek', '--offset', '1'], { url });
    expect(offsetOnly.code).toBe(1);
    expect(offsetOnly.stderr).toMatch(/--offset needs --partition/);

    expect((await runnel(['topics', 'delete', 'seek'], { url })).stdout).toBe('Deleted topic seek.\n');
    expect((await runnel(['topics', 'list', '--json'], { url })).stdout).not.toContain('"seek"');
  });
});
