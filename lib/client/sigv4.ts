import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Static keys, or a provider such as `fromNodeProviderChain()` that is asked again as keys expire. */
export type CredentialsInput = AwsCredentials | (() => Promise<AwsCredentials>);

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`; custom domains name no region. */
export function regionFromHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(hostname)?.[1];
}

/** The AWS SDK's default chain (env, profile, SSO, IMDS…), loaded only when signing is asked for without keys. */
async function defaultCredentials(): Promise<() => Promise<AwsCredentials>> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

/** Signs requests for API Gateway's IAM authorisation (service `execute-api`). */
export function createSigner(options: { url: string; region?: string | undefined; credentials?: CredentialsInput | undefined }): (req: SignableRequest) => Promise<Record<string, string>> {
  const region = options.region ?? regionFromHost(new URL(options.url).hostname) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error(`no region to sign for: give region (CLI: --region) or set AWS_REGION (none can be read from ${options.url})`);
  }
  const credentials: Promise<CredentialsInput> = options.credentials ? Promise.resolve(options.credentials) : defaultCredentials();
  let signer: Promise<SignatureV4> | undefined;
  return async ({ method, url, headers, body }) => {
    signer ??= credentials.then((c) => new SignatureV4({ service: 'execute-api', region, credentials: c, sha256: Sha256 }));
    const signed = await (await signer).sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}
