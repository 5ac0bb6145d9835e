import { groupsFunction } from '../lib/http/functions/groups.js';
import { lambdaHandler } from '../lib/http/lambda.js';

export const handler = lambdaHandler(groupsFunction);
