import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A client's resolved `signer` option (AwsSdkSigV4AuthResolvedConfig), the same type on every SDK v3 client. */
type SignerOption = DynamoDBClient['config']['signer'];
type RequestSigner = Awaited<ReturnType<SignerOption>>;

/** The part of an SDK v3 client this touches. */
interface SigningClient {
  config: { signer: SignerOption };
}

/**
 * Makes a client build its SigV4 signer once per auth scheme instead of once per request.
 *
 * The SDK's default `signer` option constructs a new SignatureV4 (SignatureV4MultiRegion for S3) on
 * every call, from a copy of the whole resolved client config. That was ≈ 0.1 ms of CPU per call, a
 * tenth of what a PutObject or UpdateItem costs (BENCHMARKS.md, "CPU per committed batch"). A signer
 * keeps nothing from one request to the next that depends on the request: it reads the credentials
 * from the client's credential provider at every signature (so refreshed keys are used), the signing
 * date comes with each call (clock-skew correction included), and signing keys are cached by SigV4
 * itself under date, region, service and credentials. The signer built for a scheme depends only on
 * the scheme's name, signing region and signing name, so those are the key.
 */
export function reuseSigner(client: SigningClient): void {
  const build = client.config.signer;
  const signers = new Map<string, Promise<RequestSigner>>();
  client.config.signer = (authScheme) => {
    const key = `${authScheme?.name}\n${authScheme?.signingRegion}\n${authScheme?.signingName}`;
    let signer = signers.get(key);
    if (!signer) {
      signer = build(authScheme);
      signers.set(key, signer);
      // A failed build (a region provider that threw, say) is not kept: the next request tries again.
      signer.catch(() => signers.delete(key));
    }
    return signer;
  };
}
