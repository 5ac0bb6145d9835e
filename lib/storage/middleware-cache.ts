import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

/** A command's resolved middleware chain, as `Command.resolveMiddleware` returns it. */
type Handler = (command: unknown) => Promise<{ output: unknown }>;

/** A handler context: the one every middleware of a chain shares, or the SDK's own nested in it (`__smithy_context`). */
type Context = Record<PropertyKey, unknown>;

interface ResolvableCommand {
  constructor: new (input: object) => ResolvableCommand;
  resolveMiddleware(stack: unknown, config: unknown): Handler;
}

/**
 * A pooled chain, then its two contexts, each paired with a copy of it as the SDK built it for the chain,
 * before any call ran.
 */
type Chain = [handle: Handler, ...contexts: Array<[context: Context, resolved: Context]>];

/**
 * Makes a storage client reuse each command class's resolved middleware instead of resolving the stack
 * on every call.
 *
 * An SDK v3 client resolves a command's whole middleware stack at every `send`: it runs the command's
 * plugins, copies the client's stack, sorts the copy by step and priority and chains ≈ 20 closures
 * around one handler context. Reusing it took 0.47 ms of CPU (quartiles 0.22–0.90) off a PutObject +
 * UpdateItem pair in an interleaved A/B (bench/sdk-ab.ts; BENCHMARKS.md, "CPU per committed batch").
 * The SDK's own `cacheMiddleware` option keeps one chain per command class, but concurrent calls then
 * share its context, where each call writes per-call state between awaits: the endpoint (two
 * concurrent PutObjects to two buckets both went to the second, on s3rver), the selected auth scheme
 * and the signing properties that clock-skew correction compares (a skewed clock was no longer
 * corrected and retried). Here each command class has a pool of chains instead, and a chain serves
 * one call at a time: a call takes an idle chain or resolves a new one, and gives it back when it
 * settles.
 *
 * Each call starts from the context as the SDK built it for the chain, before any call ran, which is
 * what a fresh resolution would give it. What a call writes there is its own: some of it each call
 * overwrites before reading it (the endpoint, the auth scheme, the signing region and service), but
 * some accumulates. The user-agent feature flags do: `setFeature` adds the call's checksum algorithm,
 * its credentials' source, its retry mode… to `__smithy_context.features` or
 * `__aws_sdk_context.features`, and nothing takes them out, so after one PutObject with a CRC32 every
 * later PutObject's `user-agent` said it had one too. So do the legacy retry strategies'
 * `cfg/retry-mode` pair, appended to `userAgent` at every call, and, were region redirects followed
 * (Runnel's clients do not), `__s3RegionRedirect`, which would send every later call to the region of
 * the bucket that redirected one. So before each call what the last one added to either context is
 * deleted and what it changed is put back. Nothing the pool relies on is lost: the context's own parts
 * (the client's logger, the command's names and schema, the empty command the chain was resolved on)
 * are what is put back. That costs nothing measurable: +0.02 ms per pair (quartiles −0.11, +0.19)
 * against the pool without it, in the same interleaved A/B (70 rounds, load average 2.2–3.6).
 *
 * The header itself the SDK's middleware still builds at every call. Not building it at all saved
 * 0.00–0.07 ms per pair at the median, with quartiles on both sides of zero (bench/sdk-ab.ts,
 * `no-user-agent`), and a header computed once per distinct input would save less than that, since the
 * features that make the input are checked per call: not done (BENCHMARKS.md, "CPU per committed batch").
 *
 * - Middleware added to the client's stack (tests' faults, the bench's meters), or removed from it,
 *   applies from the next call: each change drops the pooled chains.
 * - A command's own middleware is ignored: a chain carries only what every command of its class adds,
 *   so nothing may add middleware to one command. What must apply to some calls of an operation gets a
 *   command class of its own (lib/log/ambiguous-write.ts).
 * - Calls with per-call options (an abort signal) are resolved on their own, as before.
 */
export function poolResolvedMiddleware<C extends S3Client | DynamoDBClient>(client: C): C {
  // The context of the chain last resolved, which every middleware's factory is given once: resolving is
  // synchronous. The factory returns the next handler itself, so a call does not pass through it (added
  // with no options: the first step, `initialize`, unnamed).
  let resolving: Context;
  const stack = client.middlewareStack as unknown as Record<string, (...args: unknown[]) => unknown>;
  stack.add!((next: unknown, context: Context) => ((resolving = context), next));
  let pools = new Map<unknown, Chain[]>();
  // `use` applies a plugin through `add` and `addRelativeTo`.
  for (const method of ['add', 'addRelativeTo', 'remove', 'removeByTag']) {
    const change = stack[method]!;
    stack[method] = (...args) => ((pools = new Map()), change.apply(stack, args));
  }
  const resolve = (type: ResolvableCommand['constructor']): Chain => {
    // Resolved on an empty command of the class: the chain's context keeps the command it was resolved
    // on for its lifetime, and a caller's would hold its input (a segment) for as long as the pool lives.
    const handle = new type({}).resolveMiddleware(stack, client.config);
    return [handle, ...[resolving, resolving.__smithy_context as Context].map((context): [Context, Context] => [context, { ...context }])];
  };
  const send = client.send.bind(client) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = async (command: ResolvableCommand, ...rest: unknown[]) => {
    const type = command.constructor;
    const pool = rest.length ? undefined : (pools.get(type) ?? pools.set(type, []).get(type)!);
    if (!pool) return send(command, ...rest);
    const chain = pool.pop() ?? resolve(type);
    // What the last call added is deleted, what it changed put back (the SDK's context in place: a
    // middleware may have kept it).
    const [handle, ...contexts] = chain;
    for (const [context, resolved] of contexts) {
      for (const key in context) if (!(key in resolved)) delete context[key];
      Object.assign(context, resolved);
    }
    try {
      return (await handle(command)).output;
    } finally {
      // A chain resolved before a change to the stack is not given back.
      if (pools.get(type) === pool) pool.push(chain);
    }
  };
  return client;
}
