import { configFromEnv } from '../lib/config.js';
import { logger } from '../lib/observability/logger.js';
import type { MaintenanceReport } from '../lib/maintenance/maintenance.js';
import { createServices } from '../lib/runtime.js';

const runnel = createServices(configFromEnv());

/** Run by EventBridge schedules; the daily one sets `sweepOrphans`. */
export async function handler(event: { sweepOrphans?: boolean } = {}): Promise<MaintenanceReport> {
  const report = await runnel.maintain({ sweepOrphans: event.sweepOrphans === true });
  logger.info('maintenance done', { ...report });
  return report;
}
