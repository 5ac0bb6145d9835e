import { configFromEnv } from '../lib/config.js';
import { logger } from '../lib/observability/logger.js';
import type { MaintenanceReport } from '../lib/maintenance/maintenance.js';
import { createServices } from '../lib/runtime.js';
import { LAMBDA_DISPATCHER, perInvocation } from '../lib/subscriptions/lambda-invocation.js';

// Maintenance also resumes push-subscription retries that are due (its role may read the groups table and
// invoke subscribed functions): it delivers with the dispatcher's budget and metrics.
const runnel = createServices(configFromEnv(), { dispatcher: LAMBDA_DISPATCHER, resumeSubscriptions: true });

/** Run by EventBridge schedules; the daily one sets `sweepOrphans`. */
export const handler = perInvocation(async (event: { sweepOrphans?: boolean } = {}): Promise<MaintenanceReport> => {
  const report = await runnel.maintain({ sweepOrphans: event.sweepOrphans === true });
  logger.info('maintenance done', { ...report });
  return report;
});
