import type { SignatureV4 } from '@smithy/signature-v4';

/**
 * SigV4 and the AWS credential chain are optional peer dependencies of the client package: 28 packages
 * and 17 MB that only a deployment with IAM auth needs. They are loaded when signing is asked for.
 */
export const SIGNING_PACKAGES = ['@smithy/signature-v4', '@aws-crypto/sha256-js', '@aws-sdk/credential-provider-node'];

async function optionalPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);
    if (missing) throw new Error(`${name} is not installed (npm install ${SIGNING_PACKAGES.join(' ')})`, { cause: error });
    throw error;
  }
}

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
  body?: string | Uint8Array | undefined;
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`; custom domains name no region. */
export function regionFromHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(hostname)?.[1];
}

/** The AWS SDK's default chain (env, profile, SSO, IMDS…), loaded only when signing is asked for without keys. */
async function defaultCredentials(): Promise<() => Promise<AwsCredentials>> {
  const { defaultProvider } = await optionalPeer('@aws-sdk/credential-provider-node', () => import('@aws-sdk/credential-provider-node'));
  return defaultProvider();
}

export interface Signer {
  /** The headers of a signed request. */
  (req: SignableRequest): Promise<Record<string, string>>;
  /**
   * A URL that carries its own signature in its query, valid for `expiresInSeconds`: how a WebSocket
   * (which cannot set headers) is opened against a WebSocket API with IAM authorisation.
   */
  presign(url: URL, expiresInSeconds: number): Promise<URL>;
}

/** Signs requests for API Gateway's IAM authorisation (service `execute-api`). */
export function createSigner(options: { url: string; region?: string | undefined; credentials?: CredentialsInput | undefined }): Signer {
  const region = options.region ?? regionFromHost(new URL(options.url).hostname) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error(`no region to sign for: give region (CLI: --region) or set AWS_REGION (none can be read from ${options.url})`);
  }
  const credentials: Promise<CredentialsInput> = options.credentials ? Promise.resolve(options.credentials) : defaultCredentials();
  let signer: Promise<SignatureV4> | undefined;
  const load = () =>
    (signer ??= Promise.all([
      credentials,
      optionalPeer('@smithy/signature-v4', () => import('@smithy/signature-v4')),
      optionalPeer('@aws-crypto/sha256-js', () => import('@aws-crypto/sha256-js')),
    ]).then(([c, { SignatureV4 }, { Sha256 }]) => new SignatureV4({ service: 'execute-api', region, credentials: c, sha256: Sha256 })));
  const sign: Signer = async ({ method, url, headers, body }) => {
    const signed = await (await load()).sign({
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
  sign.presign = async (url, expiresInSeconds) => {
    const signed = await (await load()).presign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host },
      },
      { expiresIn: expiresInSeconds },
    );
    const out = new URL(url);
    out.search = '';
    for (const [name, value] of Object.entries(signed.query ?? {})) for (const v of [value].flat()) if (v !== null) out.searchParams.append(name, v);
    return out;
  };
  return sign;
}
