import { standInPlugin } from './stand-ins.js';

/**
 * The SDK retries in its standard mode unless `AWS_RETRY_MODE` (or the client's `retryMode`) asks for
 * adaptive mode, whose client-side rate limiter throttles requests as errors come back. Runnel's
 * clients set no retry mode and the construct sets no `AWS_RETRY_MODE`, so in the Lambda bundles the
 * adaptive strategy is one that refuses, saying why, at the first request of a function whose
 * environment asks for it, instead of the strategy and its rate limiter (3 KB).
 */
const FILE = /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]retry[\\/]util-retry[\\/]AdaptiveRetryStrategy\.js$/;

const STAND_IN = `export class AdaptiveRetryStrategy {
  constructor() {
    throw new Error("Runnel's Lambda bundles retry in the SDK's standard mode (cdk/bundling/standard-retries.ts): unset AWS_RETRY_MODE=adaptive");
  }
}`;

export const standardRetries = standInPlugin('standard-retries', [{ file: FILE, contents: STAND_IN }]);
