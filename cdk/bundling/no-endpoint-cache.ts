import { standInPlugin } from './stand-ins.js';

/**
 * The DynamoDB client resolves its endpoint discovery settings at construction and builds an endpoint
 * cache for them (`@aws-sdk/endpoint-cache`, a least-recently-used map from mnemonist), yet in this SDK no
 * command adds the endpoint discovery middleware that would read or fill the cache: every request goes to
 * the endpoint its rules resolve, whatever the settings say. So in the Lambda bundles the settings are
 * resolved as the SDK's do, without the cache that nothing reads (2 KB with its map).
 * test/package/lambda-sdk.test.ts holds the premise: nothing in the client reads `endpointCache`.
 */
const FILE = /[\\/]@aws-sdk[\\/]middleware-endpoint-discovery[\\/]dist-es[\\/]index\.js$/;

const STAND_IN = `export { NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS } from "./configurations";
export const resolveEndpointDiscoveryConfig = (input, { endpointDiscoveryCommandCtor }) => {
  const { endpointDiscoveryEnabled, endpointDiscoveryEnabledProvider } = input;
  return Object.assign(input, {
    endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: endpointDiscoveryEnabled !== undefined ? () => Promise.resolve(endpointDiscoveryEnabled) : endpointDiscoveryEnabledProvider,
    isClientEndpointDiscoveryEnabled: endpointDiscoveryEnabled !== undefined,
  });
};`;

export const noEndpointCache = standInPlugin('no-endpoint-cache', [{ file: FILE, contents: STAND_IN }]);
