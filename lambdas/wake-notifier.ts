import { configFromEnv } from '../lib/config.js';
import { wakeNotifierFunction } from '../lib/wake/wake-notifier.js';

export const handler = wakeNotifierFunction(configFromEnv());
