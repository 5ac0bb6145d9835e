import { handle } from 'hono/aws-lambda';
import { configFromEnv } from '../config.js';
import { createServices } from '../runtime.js';
import { createApp, type Concern } from './app.js';

/**
 * An API Gateway (HTTP API, payload v2) handler serving some of the app's concerns. Built at module
 * scope, so the SDK clients and the segment and index caches live across warm invocations.
 */
export function lambdaHandler(concerns: readonly Concern[]) {
  // Each Lambda function serves its own concerns: a produce function never serves the fetches that
  // would read the batches it appends, so it does not cache them.
  return handle(createApp(createServices(configFromEnv(), { log: { cacheAppends: concerns.includes('fetch') } }), concerns));
}
