import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles. Lambda always hands a
 * function its role's keys in the environment, so the rest of the default chain (SSO, profiles, STS web
 * identity, IMDS and their nested clients, about 100 KB) would only be parsed at every cold start.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
