import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';

/** A command's resolved middleware chain, as `Command.resolveMiddleware` returns it. */
type Handler = (command: unknown) => Promise<{ output: unknown }>;

interface ResolvableCommand {
  constructor: new (input: object) => ResolvableCommand;
  resolveMiddleware(stack: unknown, config: unknown): Handler;
}

/**
 * Makes a storage client reuse each command class's resolved middleware instead of resolving the stack
 * on every call.
 *
 * An SDK v3 client resolves a command's whole middleware stack at every `send`: it runs the command's
 * plugins, copies the client's stack, sorts the copy by step and priority and chains ≈ 20 closures
 * around one handler context. Reusing it took 0.47 ms of CPU (quartiles 0.22–0.90) off a PutObject +
 * UpdateItem pair in an interleaved A/B (bench/sdk-ab.ts; BENCHMARKS.md, "CPU per committed batch"). The SDK's own `cacheMiddleware` option keeps one chain per command class, but concurrent
 * calls then share its context, where each call writes per-call state between awaits: the endpoint
 * (two concurrent PutObjects to two buckets both went to the second, on s3rver), the selected auth
 * scheme and the signing properties that clock-skew correction compares (a skewed clock was no
 * longer corrected and retried). Here each command class has a pool of chains instead, and a chain
 * serves one call at a time: a call takes an idle chain or resolves a new one, and gives it back when
 * it settles. A chain's context is reused only by calls in sequence, each of which writes its per-call
 * state before reading it, as with the SDK's option.
 *
 * - Middleware added to the client's stack (tests' faults, the bench's meters), or removed from it,
 *   applies from the next call: each change drops the pooled chains.
 * - A command's own middleware is ignored: a chain carries only what every command of its class adds,
 *   so nothing may add middleware to one command. What must apply to some calls of an operation gets a
 *   command class of its own (lib/log/ambiguous-write.ts).
 * - Calls with per-call options (an abort signal) are resolved on their own, as before.
 */
export function poolResolvedMiddleware<C extends S3Client | DynamoDBClient>(client: C): C {
  let pools = new Map<unknown, Handler[]>();
  const stack = client.middlewareStack as unknown as Record<string, (...args: unknown[]) => unknown>;
  // `use` applies a plugin through `add` and `addRelativeTo`.
  for (const method of ['add', 'addRelativeTo', 'remove', 'removeByTag']) {
    const change = stack[method]!;
    stack[method] = (...args) => ((pools = new Map()), change.apply(stack, args));
  }
  const send = client.send.bind(client) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = async (command: ResolvableCommand, ...rest: unknown[]) => {
    const type = command.constructor;
    const pool = rest.length ? undefined : (pools.get(type) ?? pools.set(type, []).get(type)!);
    if (!pool) return send(command, ...rest);
    // Resolved on an empty command of the class: the chain's context keeps the command it was resolved
    // on for its lifetime, and a caller's would hold its input (a segment) for as long as the pool lives.
    const handler = pool.pop() ?? new type({}).resolveMiddleware(client.middlewareStack, client.config);
    try {
      return (await handler(command)).output;
    } finally {
      // A chain resolved before a change to the stack is not given back.
      if (pools.get(type) === pool) pool.push(handler);
    }
  };
  return client;
}
