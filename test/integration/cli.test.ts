import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The bin's stdout as bytes, for output that is not text. */
function runnelBytes(args: string[], url: string): Promise<Buffer> {
  const env: NodeJS.ProcessEnv = { ...process.env, RUNNEL_URL: url };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  return new Promise((resolve) => child.on('close', () => resolve(Buffer.concat(chunks))));
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

  it('bundles the console only when the command is `console`, not when a later argument is named console', async () => {
    // The bundling step makes a runnel-console-* directory in TMPDIR (and removes it on exit): watch for it.
    const run = async (args: string[]) => {
      const tmp = mkdtempSync(join(tmpdir(), 'runnel-cli-tmp-'));
      const made: string[] = [];
      const watcher = watch(tmp, (_event, name) => void (name && made.push(String(name))));
      const env: NodeJS.ProcessEnv = { ...process.env, RUNNEL_URL: 'http://127.0.0.1:9', TMPDIR: tmp };
      delete env.NODE_OPTIONS;
      delete env.RUNNEL_CONSOLE_ASSETS;
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      watcher.close();
      rmSync(tmp, { recursive: true, force: true });
      return { code, stderr, bundled: made.some((name) => name.startsWith('runnel-console-')) };
    };
    const topicNamedConsole = await run(['topics', 'create', 'console']);
    expect(topicNamedConsole.code).not.toBe(0);
    expect(topicNamedConsole.stderr).toMatch(/127\.0\.0\.1:9/);
    expect(topicNamedConsole.bundled).toBe(false);
    // After a global option's value the command is still found, and bundled for.
    const consoleAfterUrl = await run(['--url', 'http://127.0.0.1:9', 'console', '--help']);
    expect(consoleAfterUrl.code).toBe(0);
    expect(consoleAfterUrl.bundled).toBe(true);
  });

  it('reports usage errors and an unreachable endpoint in one line with a non-zero exit', async () => {
    const unknown = await runnel(['topics', 'frob']);
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)).toEqual(["runnel: unknown command 'frob'"]);
    const badOption = await runnel(['consume', 't', '--max-messages', 'lots']);
    expect(badOption.code).toBe(1);
    expect(lines(badOption.stderr)).toEqual(["runnel: option '-n, --max-messages <n>' argument 'lots' is invalid. expected a positive integer"]);
    for (const [args, reason] of [
      [['consume', 't', '-o', 'json'], "runnel: option '-o, --offset <offset>' argument 'json' is invalid. expected beginning, end, an offset, -<n> (n before the end) or s@<time>"],
      [['consume', 't', '-f', '%k %z'], "runnel: option '-f, --format <format>' argument '%k %z' is invalid. format \"%k %z\": unknown field %z (known: %t %p %o %T %k %K %s %S %R %h %%)"],
      [['consume', 't', '-o', 'end', '--from-beginning'], "runnel: option '-o, --offset <offset>' cannot be used with option '-b, --from-beginning'"],
      [['groups', 'reset-offsets', 'g'], "runnel: required option '-t, --topic <topic>' not specified"],
      [['topics', 'list', '--url', 'localhost:7430'], 'runnel: --url "localhost:7430" is not an http(s) URL (for example http://127.0.0.1:7430)'],
      [['topics', 'list', '--url', 'not a url'], 'runnel: --url "not a url" is not an http(s) URL (for example http://127.0.0.1:7430)'],
    ] as const) {
      const run = await runnel([...args]);
      expect({ code: run.code, stderr: lines(run.stderr) }, args.join(' ')).toEqual({ code: 1, stderr: [reason] });
    }
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
    // The total row: records, then the retained bytes the API reports.
    expect(cells(lines(described.stdout).at(-1)!)).toEqual(['total', '30', String(((await (await fetch(`${url}/v1/topics/orders`)).json()) as { bytes: number }).bytes)]);

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
    const listed = lines((await runnel(['groups', 'list'], { url })).stdout);
    expect(listed.slice(1, 2).map(cells)).toEqual([['billing', '0', '3']]);
    expect(listed[2]).toMatch(/^Partitions: those the group holds a lease or a committed offset for\. billing has no live member, so nobody holds those leases/);

    // A dry run unless --execute, as kafka-consumer-groups: the plan shows each partition's current → new.
    const committedBefore = rows.map(cells).map(([, , , committed]) => committed);
    const plan = await runnel(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest'], { url });
    expect(plan.code, plan.stderr).toBe(0);
    expect(cells(lines(plan.stdout)[0]!)).toEqual(['Topic', 'Partition', 'Current', 'New']);
    expect(lines(plan.stdout).slice(1).map(cells)).toEqual([0, 1, 2].map((p) => ['orders', String(p), committedBefore[p], '0']));
    expect(plan.stderr).toBe('Dry run: nothing changed. Add --execute to move these offsets.\n');
    expect(await runnel(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest', '--dry-run'], { url })).toEqual(plan);
    const both = await runnel(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest', '--dry-run', '--execute'], { url });
    expect({ code: both.code, stderr: both.stderr }).toEqual({ code: 1, stderr: "runnel: option '--dry-run' cannot be used with option '--execute'\n" });
    expect(lines((await runnel(['groups', 'describe', 'billing'], { url })).stdout)[0]).toBe('Group billing: empty, 0 live members, total lag 0');
    const reset = await runnel(['groups', 'reset-offsets', 'billing', '--topic', 'orders', '--to-earliest', '--execute'], { url });
    expect(reset.code, reset.stderr).toBe(0);
    expect(lines(reset.stdout)).toEqual(lines(plan.stdout));
    expect(reset.stderr).toBe('Moved 3 committed offsets of group billing.\n');
    expect(lines((await runnel(['groups', 'describe', 'billing'], { url })).stdout)[0]).toBe('Group billing: empty, 0 live members, total lag 30');

    const five = await runnel(['consume', 'orders', '--group', 'billing', '--max-messages', '5'], { url });
    expect(lines(five.stdout)).toHaveLength(5);
    expect(lines((await runnel(['groups', 'describe', 'billing'], { url })).stdout)[0]).toBe('Group billing: empty, 0 live members, total lag 25');
  });

  it('produce --body-format json gets through a proxy that passes only JSON bodies, which refuses the default CBOR', async () => {
    await runnel(['topics', 'create', 'proxied'], { url });
    const target = new URL(url);
    const contentTypes: string[] = [];
    const proxy = createServer((req, res) => {
      const type = req.headers['content-type'] ?? '';
      if (req.method === 'POST') contentTypes.push(type);
      if (req.method === 'POST' && !type.startsWith('application/json')) {
        res.writeHead(415, { 'content-type': 'application/json' }).end('{"message":"Unsupported Media Type"}');
        return;
      }
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname.replace(/\/$/, '')}`;
    try {
      const refused = await runnel(['produce', 'proxied', '-f', 'kv'], { url: proxied, input: 'k\tcbor\n' });
      expect(refused.code).not.toBe(0);
      expect(lines(refused.stderr)).toHaveLength(1);
      expect(refused.stderr).toMatch(/415/);
      const sent = await runnel(['produce', 'proxied', '-f', 'kv', '--body-format', 'json'], { url: proxied, input: 'k\tjson\n' });
      expect(sent.code, sent.stderr).toBe(0);
      expect(contentTypes).toEqual([expect.stringMatching(/^application\/cbor/), expect.stringMatching(/^application\/json/)]);
      const read = await runnel(['consume', 'proxied', '-f', 'json', '-q'], { url });
      expect(lines(read.stdout).map((l) => JSON.parse(l))).toMatchObject([{ key: 'k', value: 'json' }]);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
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
    const first = await runnel(['consume', 'src', '-f', 'json'], { url });
    const copied = await runnel(['produce', 'copy', '-q'], { url, input: first.stdout });
    expect(copied).toMatchObject({ code: 0, stderr: '' });
    const second = await runnel(['consume', 'copy', '--format', 'json', '-q'], { url });
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

  it("consume -o takes kcat's offsets: beginning, end, -N per partition, s@time, and an offset outside the log fails with its bounds", async () => {
    await runnel(['topics', 'create', 'kcat', '-p', '2'], { url });
    // Partition 0 gets 5 records, partition 1 gets 2, stamped 1 s apart.
    const input = [0, 0, 0, 0, 0, 1, 1].map((partition, i) => JSON.stringify({ partition, key: `k${i}`, value: `v${i}`, timestamp: (i + 1) * 1000 }));
    expect((await runnel(['produce', 'kcat', '-q'], { url, input: input.join('\n') })).code).toBe(0);
    const out = async (...args: string[]) => {
      const run = await runnel(['consume', 'kcat', '-q', ...args], { url });
      expect(run.code, run.stderr).toBe(0);
      return lines(run.stdout).sort();
    };
    expect(await out('-o', '-2')).toEqual(['k3\tv3', 'k4\tv4', 'k5\tv5', 'k6\tv6']);
    expect(await out('-o', '-3')).toEqual(['k2\tv2', 'k3\tv3', 'k4\tv4', 'k5\tv5', 'k6\tv6']); // partition 1 has only 2: from its start
    expect(await out('-o-1', '-p', '1')).toEqual(['k6\tv6']);
    expect(await out('-o', 'end')).toEqual([]);
    expect(await out('-o', 'beginning')).toHaveLength(7);
    expect(await out('-o', '3', '-p', '0')).toEqual(['k3\tv3', 'k4\tv4']);
    expect(await out('-o', '5', '-p', '0')).toEqual([]); // the high watermark: nothing yet, and no error
    expect(await out('-o', 's@4000')).toEqual(['k3\tv3', 'k4\tv4', 'k5\tv5', 'k6\tv6']);

    const beyond = await runnel(['consume', 'kcat', '-o', '6', '-p', '0'], { url });
    expect(beyond.code).toBe(1);
    expect(beyond.stdout).toBe('');
    expect(lines(beyond.stderr)).toEqual(['runnel: offset 6 is out of range for partition 0 of "kcat": it holds offsets from 0 (log start) up to 5 (high watermark)']);
    // With several partitions, nothing is printed before the failure.
    const oneBad = await runnel(['consume', 'kcat', '-o', '4', '-p', '0,1'], { url });
    expect(oneBad).toMatchObject({ code: 1, stdout: '', stderr: 'runnel: offset 4 is out of range for partition 1 of "kcat": it holds offsets from 0 (log start) up to 2 (high watermark)\n' });
    const planBad = await runnel(['groups', 'reset-offsets', 'nobody', '-t', 'kcat', '--to-offset', '9'], { url });
    expect(planBad).toMatchObject({ code: 1, stdout: '' });
    expect(lines(planBad.stderr)).toEqual(['runnel: offset 9 is out of range for partition 0 of "kcat": it holds offsets from 0 (log start) up to 5 (high watermark)']);
  });

  it('consume -f prints records through a kcat format string, binary values as raw bytes', async () => {
    await runnel(['topics', 'create', 'fmt'], { url });
    const input = [
      { key: 'a', value: { n: 1 }, headers: { h1: 'x', h2: 'y' }, timestamp: 1000 },
      { key: null, value: null, timestamp: 2000 },
      { key: 'bin', value: Buffer.from([0, 0xff, 10]).toString('base64'), valueEncoding: 'base64', timestamp: 3000 },
    ];
    expect((await runnel(['produce', 'fmt', '-q'], { url, input: input.map((r) => JSON.stringify(r)).join('\n') })).code).toBe(0);
    const run = await runnel(['consume', 'fmt', '-q', '-f', '%t %p %o %T [%k] %K [%s] %S %h\\n'], { url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(['fmt 0 0 1000 [a] 1 [{"n":1}] 7 h1=x,h2=y', 'fmt 0 1 2000 [] -1 [] -1 ', 'fmt 0 2 3000 [bin] 3 [\u0000\u00ff\n] 3 ', ''].join('\n').replace('\u00ff', '\ufffd'));
    const raw = await runnelBytes(['consume', 'fmt', '-q', '-o', '2', '-p', '0', '-f', '%s'], url);
    expect(raw).toEqual(Buffer.from([0, 0xff, 10]));
  });

  it('groups describe shows each member with its client id, and "none" for a partition not committed yet', async () => {
    await runnel(['topics', 'create', 'members', '-p', '2'], { url });
    const client = new Runnel({ url });
    await client.producer({ lingerMs: 0 }).send({ topic: 'members', messages: [{ partition: 0, value: 'x' }] });
    const consumer = client.consumer({ groupId: 'described', clientId: 'billing-worker-7' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['members'], fromBeginning: true });
    const seen = new Promise<void>((resolve) => void consumer.run({ eachMessage: async () => resolve() }));
    await seen;
    await consumer.commitOffsets([{ topic: 'members', partition: 0, offset: '1' }]);
    try {
      const run = await runnel(['groups', 'describe', 'described'], { url });
      expect(run.code, run.stderr).toBe(0);
      const [summary, memberHead, member, partitionHead, ...partitions] = lines(run.stdout);
      expect(summary).toMatch(/^Group described: (stable|rebalancing), 1 live member, total lag 0$/);
      expect(cells(memberHead!)).toEqual(['Member', 'Client', 'Topics', 'Partitions', 'Expires in']);
      expect(cells(member!).slice(1, 3)).toEqual(['billing-worker-7', 'members']);
      expect(cells(partitionHead!)).toEqual(['Topic', 'Partition', 'Owner', 'Committed', 'High watermark', 'Lag', 'Handoff']);
      expect(partitions.map(cells).map(([, p, , committed]) => [p, committed])).toEqual([['0', '1'], ['1', 'none']]);
      const dryRun = await runnel(['groups', 'reset-offsets', 'described', '-t', 'members', '--to-earliest'], { url });
      expect(dryRun).toMatchObject({ code: 1, stdout: '', stderr: 'runnel: group "described" has 1 live member(s); stop its consumers first (group_active)\n' });
    } finally {
      await consumer.disconnect();
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
    expect(offsetOnly.stderr).toMatch(/an absolute --offset needs --partition/);

    expect((await runnel(['topics', 'delete', 'seek'], { url })).stdout).toBe('Deleted topic seek.\n');
    expect((await runnel(['topics', 'list', '--json'], { url })).stdout).not.toContain('"seek"');
  });
});
