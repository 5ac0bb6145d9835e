import { lambdaHandler } from '../lib/http/lambda.js';

export const handler = lambdaHandler(['groups']);
