import { configFromEnv } from '../lib/config.js';
import { wakeConnectFunction } from '../lib/wake/wake-connect-function.js';

export const handler = wakeConnectFunction(configFromEnv());
