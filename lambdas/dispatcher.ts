import { configFromEnv } from '../lib/config.js';
import { logStreamHandler } from '../lib/log-stream.js';

export const handler = logStreamHandler(configFromEnv());
