import { configFromEnv } from '../lib/config.js';
import { logger } from '../lib/observability/logger.js';
import { createRunnel } from '../lib/runtime.js';

const runnel = createRunnel(configFromEnv());

/** Scheduled by EventBridge: purges the data of deleted topics. */
export async function handler(): Promise<{ purgedTopics: number }> {
  const purgedTopics = await runnel.purge();
  logger.info('maintenance done', { purgedTopics });
  return { purgedTopics };
}
