import { standInPlugin } from './stand-ins.js';

/**
 * The S3 client signs with `SignatureV4MultiRegion`: SigV4, or SigV4a when the endpoint asks for a signing
 * region of `*` (a Multi-Region Access Point). SigV4a needs an implementation the SDK loads only if the
 * application installs and registers one (`@aws-sdk/signature-v4-crt` or `@aws-sdk/signature-v4a`); the
 * Lambda bundles carry neither, so there the SDK's signer could only fail on `*`, after building its long
 * explanations. In the Lambda bundles it is this one, which signs with SigV4 as the SDK's does and refuses
 * `*`, saying why (3 KB). Runnel's bucket is the construct's general purpose bucket, never an access point.
 */
const FILE = /[\\/]@aws-sdk[\\/]signature-v4-multi-region[\\/]dist-es[\\/]SignatureV4MultiRegion\.js$/;

const STAND_IN = `import { SignatureV4SignWithCredentials } from "./SignatureV4SignWithCredentials";
const sigV4 = (options) => {
  if (options.signingRegion === "*") throw new Error("Runnel's Lambda bundles sign with SigV4 only (cdk/bundling/sigv4-only.ts): a Multi-Region Access Point needs SigV4a, which they do not carry");
  return options;
};
export class SignatureV4MultiRegion {
  static sigv4aDependency() { return "none"; }
  constructor(options) { this.sigv4Signer = new SignatureV4SignWithCredentials(options); }
  async sign(request, options = {}) { return this.sigv4Signer.sign(request, sigV4(options)); }
  async signWithCredentials(request, credentials, options = {}) { return this.sigv4Signer.signWithCredentials(request, credentials, sigV4(options)); }
  async presign(request, options = {}) { return this.sigv4Signer.presign(request, sigV4(options)); }
  async presignWithCredentials(request, credentials, options = {}) { return this.sigv4Signer.presignWithCredentials(request, credentials, sigV4(options)); }
}`;

export const sigV4Only = standInPlugin('sigv4-only', [{ file: FILE, contents: STAND_IN }]);
