import { adminFunction } from '../lib/http/functions/admin.js';
import { lambdaHandler } from '../lib/http/lambda.js';

export const handler = lambdaHandler(adminFunction);
