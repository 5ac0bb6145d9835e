import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger for the service; JSON lines in Lambda and locally alike. */
export const logger = new Logger({ serviceName: 'runnel', logLevel: (process.env.RUNNEL_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
