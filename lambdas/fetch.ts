import { fetchFunction } from '../lib/http/functions/fetch.js';
import { lambdaHandler } from '../lib/http/lambda.js';

export const handler = lambdaHandler(fetchFunction);
