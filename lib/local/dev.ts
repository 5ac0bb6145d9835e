import { resolve } from 'node:path';
import { startEmbeddedStack } from './embedded.js';

// The SDK warns on Node 20 that its releases after January 2027 need Node 22. That is for Runnel's
// maintainers (package.json pins the SDK range), not for someone starting the local stack.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dataDir = resolve(process.env.RUNNEL_DATA_DIR ?? '.runnel/data');
const port = Number(process.env.PORT ?? 7430);

const stack = await startEmbeddedStack({ dataDir, port, host: process.env.HOST ?? '127.0.0.1' });
console.log(`Runnel is running at ${stack.url}  (data in ${dataDir})

Try it:
  curl -s -X POST ${stack.url}/v1/topics -H 'content-type: application/json' -d '{"name":"orders","partitions":3}'
  curl -s -X POST ${stack.url}/v1/topics/orders/records -H 'content-type: application/json' -d '{"records":[{"key":"o-1","value":{"total":42}}]}'
  curl -s '${stack.url}/v1/topics/orders/partitions/0/records?offset=0'

Ctrl-C stops it.`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
