import { resolve } from 'node:path';
import { autoCreateTopicsFromEnv } from '../config.js';
import { bundleConsole } from './console-bundle.js';
import { startEmbeddedStack } from './embedded.js';
import { allowedHostsFrom } from './hosts.js';
import { StartupError } from './startup-error.js';

// The SDK warns on Node 20 that its releases after January 2027 need Node 22. That is for Runnel's
// maintainers (package.json pins the SDK range), not for someone starting the local stack.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A start-up failure is one line on stderr and exit 1: the person at the terminal needs the fix, not a stack trace. */
function fail(message: string): never {
  console.error(`runnel dev: ${message}`);
  process.exit(1);
}

const dataDir = resolve(process.env.RUNNEL_DATA_DIR ?? '.runnel/data');
const portText = process.env.PORT ?? '7430';
if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`PORT must be a port number from 0 to 65535, not ${JSON.stringify(portText)}`);
const port = Number(portText);
// On here, as in a Kafka broker's default config; RUNNEL_AUTO_CREATE_TOPICS=false turns it off.
let autoCreateTopics: ReturnType<typeof autoCreateTopicsFromEnv>;
try {
  autoCreateTopics = autoCreateTopicsFromEnv(process.env, true);
} catch (e) {
  fail((e as Error).message);
}

const stack = await startEmbeddedStack({
  dataDir,
  port,
  host: process.env.HOST ?? '127.0.0.1',
  allowedHosts: allowedHostsFrom(process.env.RUNNEL_ALLOWED_HOSTS),
  autoCreateTopics,
  lambdaEndpoint: process.env.RUNNEL_LAMBDA_ENDPOINT || undefined,
  consoleAssets: await bundleConsole(),
}).catch((e: Error) => fail(e instanceof StartupError ? e.message : `could not start: ${e.message}`));
console.log(`Runnel is running at ${stack.url}  (data in ${dataDir})
The web console: ${stack.url}/console/

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
