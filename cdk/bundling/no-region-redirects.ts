import { standInPlugin } from './stand-ins.js';

/**
 * An S3 client built with `followRegionRedirects: true` retries a request that S3 answers with a 301 for a
 * bucket in another region there, through two middlewares: one that catches the redirect, and one that
 * swaps the client's region around each request (reading the region at every request, redirected or
 * not). Runnel's clients leave the option off (it has no environment variable), and the construct's bucket
 * is in its functions' region, so in the Lambda bundles the plugin adds neither middleware and refuses,
 * saying why, to build a client that turns the option on (1.3 KB).
 */
const FILE = /[\\/]@aws-sdk[\\/]middleware-sdk-s3[\\/]dist-es[\\/]submodules[\\/]s3[\\/]middleware-region-redirect[\\/]region-redirect-middleware\.js$/;

const STAND_IN = `const refuse = () => {
  throw new Error("Runnel's Lambda bundles follow no S3 region redirects (cdk/bundling/no-region-redirects.ts): leave followRegionRedirects off");
};
export const regionRedirectMiddlewareOptions = { step: "initialize", tags: ["REGION_REDIRECT", "S3"], name: "regionRedirectMiddleware", override: true };
export const regionRedirectMiddleware = refuse;
export const getRegionRedirectMiddlewarePlugin = (clientConfig) => ({
  applyToStack: () => {
    if (clientConfig.followRegionRedirects) refuse();
  },
});`;

export const noRegionRedirects = standInPlugin('no-region-redirects', [{ file: FILE, contents: STAND_IN }]);
