import { createServer } from 'node:http';
import { listenOnLoopback, readBody } from './loopback-server.js';

/** A function the server runs: Lambda's handler signature, without the callback. */
export type InvokeHandler = (event: unknown, context: { functionName: string; awsRequestId: string }) => unknown;

export interface LambdaInvokeServer {
  /** The endpoint to give a LambdaClient. */
  endpoint: string;
  /** Requests answered, per function name (those for unknown functions included). */
  invocations: Map<string, number>;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The function name in Invoke's path, which may be a name, an ARN or a partial ARN, with a qualifier. */
function functionName(raw: string): string {
  const name = decodeURIComponent(raw);
  const arn = /^(?:arn:[^:]+:lambda:[^:]+:\d{12}:function:)?([^:]+)(?::.*)?$/.exec(name);
  return arn?.[1] ?? name;
}

/** Thrown by a handler to be answered as Lambda answers a throttled invoke: 429 TooManyRequestsException with Retry-After. */
export class InvokeThrottled extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Rate Exceeded.');
  }
}

/**
 * A local server that speaks Lambda's Invoke API (RequestResponse), running JS handlers in process, so
 * that the real @aws-sdk/client-lambda can be pointed at it. As Lambda does: a handler's result is the
 * JSON payload (`null` for undefined); a thrown error answers 200 with `X-Amz-Function-Error: Unhandled`
 * and `{errorType, errorMessage}`; an unknown function is a 404 ResourceNotFoundException.
 */
export async function startLambdaInvokeServer(functions: Record<string, InvokeHandler>): Promise<LambdaInvokeServer> {
  const invocations = new Map<string, number>();
  let requestIds = 0;
  const server = createServer(async (req, res) => {
    const match = req.method === 'POST' ? INVOKE_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname) : null;
    const payload = await readBody(req);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' }).end('{"message":"unknown operation"}');
      return;
    }
    const name = functionName(match[1]!);
    invocations.set(name, (invocations.get(name) ?? 0) + 1);
    const handler = functions[name];
    const requestId = `req-${++requestIds}`;
    if (!handler) {
      res
        .writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException', 'x-amzn-requestid': requestId })
        .end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
      return;
    }
    const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    try {
      const event = payload.byteLength ? JSON.parse(payload.toString('utf8')) : {};
      const result = await handler(event, { functionName: name, awsRequestId: requestId });
      res.writeHead(200, headers).end(JSON.stringify(result ?? null));
    } catch (e) {
      if (e instanceof InvokeThrottled) {
        res
          .writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': requestId, 'retry-after': String(e.retryAfterSeconds) })
          .end(JSON.stringify({ Type: 'User', message: e.message, Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }));
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      res
        .writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }));
    }
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    endpoint: `${origin}`,
    invocations,
    close,
  };
}
