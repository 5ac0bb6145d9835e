import { standInPlugin } from './stand-ins.js';

/**
 * The S3 client opens S3 Express One Zone sessions (CreateSession, cached per bucket) when its bucket is a
 * directory bucket. Runnel's segment bucket is the general purpose bucket the construct creates, and no
 * function's role may call `s3express:CreateSession`, so in the Lambda bundles the client's session
 * provider is one that refuses, saying why, instead of the provider and its cache (2 KB); and the
 * CreateSession command, which only that provider sends (Runnel imports it nowhere), refuses too (1 KB).
 */
const FILE = /[\\/]@aws-sdk[\\/]middleware-sdk-s3[\\/]dist-es[\\/]submodules[\\/]s3[\\/]middleware-s3-express[\\/]classes[\\/]S3ExpressIdentityProviderImpl\.js$/;

const STAND_IN = `export class S3ExpressIdentityProviderImpl {
  async getS3ExpressIdentity() {
    throw new Error("Runnel's Lambda bundles leave out S3 Express One Zone sessions (cdk/bundling/no-s3-express.ts): the segment bucket is a general purpose bucket");
  }
}`;

const COMMAND = /[\\/]@aws-sdk[\\/]client-s3[\\/]dist-es[\\/]commands[\\/]CreateSessionCommand\.js$/;

const COMMAND_STAND_IN = `export class CreateSessionCommand {
  constructor() {
    throw new Error("Runnel's Lambda bundles leave out S3 Express One Zone sessions (cdk/bundling/no-s3-express.ts): the segment bucket is a general purpose bucket");
  }
}`;

export const noS3Express = standInPlugin('no-s3-express', [
  { file: FILE, contents: STAND_IN },
  { file: COMMAND, contents: COMMAND_STAND_IN },
]);
