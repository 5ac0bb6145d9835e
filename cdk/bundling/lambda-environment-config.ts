import { standInPlugin, type StandIn } from './stand-ins.js';

/**
 * Lambda gives a function its whole SDK configuration in the environment (`AWS_REGION`, the role's keys,
 * and any `AWS_*` setting the construct adds), and its file system holds no `~/.aws/config` or
 * `~/.aws/credentials`. So in the Lambda bundles, the SDK's config loaders (`loadConfig`: the environment,
 * then the shared config files, then the default) find no shared config files instead of looking for
 * them at every client's construction, and the region is never asked of the EC2 instance metadata
 * service, which Lambda does not offer. The local server, the CLI and the tests keep the SDK as it is.
 *
 * Each stand-in keeps its module's signature and fails the way the SDK's own does when there is nothing
 * to find: the config chain moves on to the next source (`tryNextLink`), and the region lookup answers
 * none, so that `Region is missing` is thrown as it would be.
 */
const STAND_INS: StandIn[] = [
  {
    file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]node-config-provider[\\/]fromSharedConfigFiles\.js$/,
    contents: `import { CredentialsProviderError } from "../property-provider/CredentialsProviderError";
export const fromSharedConfigFiles = (configSelector, init = {}) => async () => {
  throw new CredentialsProviderError("Runnel's Lambda bundles read no shared config files: Lambda configures the SDK in the environment", { logger: init.logger });
};`,
  },
  {
    file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]config-resolver[\\/]regionConfig[\\/]getInstanceMetadataRegion\.js$/,
    contents: 'export const getInstanceMetadataRegion = async () => undefined;',
  },
];

export const lambdaEnvironmentConfig = standInPlugin('lambda-environment-config', STAND_INS);
