import { buildLambdaBundles, lambdaBundlesFresh } from '../../bin/build.js';

/**
 * The construct deploys the prebuilt bundles in dist/lambdas (`npm run build`), and the CDK tests run
 * them: rebuilt here when any of their inputs changed since, so that no test runs a stale handler.
 */
export default async function setup(): Promise<void> {
  if (!lambdaBundlesFresh()) await buildLambdaBundles();
}
