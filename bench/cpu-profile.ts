/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): where a process's busy time went, by function (self
 * time) and by module (inclusive time: a sample counts once for each package or lib/ file on its stack).
 *
 *   npx tsx bench/cpu-profile.ts DIR|FILE.cpuprofile
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `@aws-sdk/client-s3`, `zod`, `lib/codec/segment`, `node:internal/...`, or a V8 pseudo-frame such as `(garbage collector)`. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [scope, name] = path.slice(nm + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  if (path.startsWith('node:')) return path.replace(/^node:internal\/(deps\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const lib = path.search(/\/(lib|bench)\//);
  return lib >= 0 ? path.slice(lib + 1).replace(/\.[cm]?[jt]s$/, '') : path;
}

/** Native calls that are socket writes: their samples are the kernel's time (and, by wall clock, any pre-emption inside them). */
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

/**
 * Who a sample's time belongs to: the nearest frame on its stack from a package or from lib/ (so Node's
 * own code and native calls count for whoever called them: a base64 decode for lib/api, a socket read by
 * the HTTP client for the AWS SDK), named `AWS SDK` for @aws-sdk, @smithy and @aws-crypto, `hono` for hono
 * and its Node adapter, else the package or the lib/ folder. `Node core` is time with no such caller (the
 * event loop, the HTTP server's parser); socket writes and V8's pseudo-frames stand for themselves.
 */
export function ownerOf(stack: ReadonlyArray<ProfileNode['callFrame']>): string {
  const leaf = stack[0]!;
  if (!leaf.url && SOCKET_WRITES.has(leaf.functionName)) return 'socket writes (kernel)';
  const framed = stack.filter((f) => f.url);
  if (framed.length === 0) return leaf.functionName.startsWith('(') ? leaf.functionName : '(native)';
  const caller = framed.map((f) => moduleOf(f.url, f.functionName)).find((m) => !m.startsWith('node:'));
  if (caller === undefined) return 'Node core';
  if (caller.startsWith('@aws-sdk/') || caller.startsWith('@smithy/') || caller.startsWith('@aws-crypto/')) return 'AWS SDK';
  if (caller === 'hono' || caller === '@hono/node-server') return 'hono';
  if (caller.startsWith('lib/')) return caller.split('/').slice(0, 2).join('/');
  return caller;
}

export interface ProfileSummary {
  /** Busy milliseconds: every sample but `(idle)`. */
  busyMs: number;
  bySelf: Array<{ name: string; ms: number }>;
  byModule: Array<{ name: string; ms: number }>;
  /** Each sample once, by the owner of its nearest frame with source (ownerOf). */
  byOwner: Array<{ name: string; ms: number }>;
  /** The call tree, top down, as indented lines `inclusive self name`, down to nodes of `minShare` of the busy time. */
  tree: string[];
}

const frameName = (f: ProfileNode['callFrame']) => `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.functionName)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

export function summariseProfile(profile: Profile, top = 30, minShare = 0.01): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const nodeSelf = new Map<number, number>();
  const nodeInclusive = new Map<number, number>();
  const owner = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') return;
    busy += ms;
    const name = frameName(leaf.callFrame);
    self.set(name, (self.get(name) ?? 0) + ms);
    nodeSelf.set(id, (nodeSelf.get(id) ?? 0) + ms);
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) nodeInclusive.set(at, (nodeInclusive.get(at) ?? 0) + ms);
    const stack: Array<ProfileNode['callFrame']> = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
    const who = ownerOf(stack);
    owner.set(who, (owner.get(who) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (cf.functionName === '(root)') continue;
      const m = moduleOf(cf.url, cf.functionName);
      if (seen.has(m)) continue;
      seen.add(m);
      inclusive.set(m, (inclusive.get(m) ?? 0) + ms);
    }
  });
  const sorted = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms }));
  const tree: string[] = [];
  const walk = (id: number, depth: number) => {
    const children = (byId.get(id)!.children ?? []).filter((c) => (nodeInclusive.get(c) ?? 0) >= busy * minShare);
    for (const c of children.sort((a, b) => nodeInclusive.get(b)! - nodeInclusive.get(a)!)) {
      tree.push(`${nodeInclusive.get(c)!.toFixed(0).padStart(7)} ${(nodeSelf.get(c) ?? 0).toFixed(0).padStart(6)}  ${'  '.repeat(depth)}${frameName(byId.get(c)!.callFrame)}`);
      walk(c, depth + 1);
    }
  };
  walk(profile.nodes[0]!.id, 0);
  return { busyMs: busy, bySelf: sorted(self), byModule: sorted(inclusive), byOwner: sorted(owner), tree };
}

/** A printable summary of every profile in `path` (a directory of .cpuprofile files, or one file). */
export function summariseProfileDir(path: string, top = 30): string {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(path, f))
    : [path];
  return files
    .map((file) => {
      const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, top);
      const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms`;
      return [
        `${file}: ${s.busyMs.toFixed(0)} ms busy`,
        'self time, by function:',
        ...s.bySelf.map((e) => `  ${pct(e.ms)}  ${e.name}`),
        'by owner (each sample once, to the nearest frame with source):',
        ...s.byOwner.map((e) => `  ${pct(e.ms)}  ${e.name}`),
        'inclusive time, by module (a sample counts once per module on its stack):',
        ...s.byModule.map((e) => `  ${pct(e.ms)}  ${e.name}`),
        `call tree (inclusive ms, self ms), nodes of at least 1% of the busy time:`,
        ...s.tree,
      ].join('\n');
    })
    .join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(summariseProfileDir(process.argv[2]!, Number(process.argv[3] ?? 30)));
