import { produceFunction } from '../lib/http/functions/produce.js';
import { lambdaHandler } from '../lib/http/lambda.js';

export const handler = lambdaHandler(produceFunction);
