import { schemaKeysPlugin } from './sdk-schema-keys.js';
import { THROWN_ERRORS } from './sdk-thrown-errors.js';
import { standInPlugin, type StandIn } from './stand-ins.js';

/**
 * The API functions (produce, fetch, groups, admin) ask S3 for one segment at a time: PutObject, whose body
 * is the segment's bytes, GetObject and DeleteObject, which have none. Listing a topic's segments and
 * deleting them in batches (ListObjects, DeleteObjects) is the maintenance function's work (retention,
 * purges, cleaning, the orphan sweep), and creating the bucket is the emulators' provisioning
 * (CreateBucket, after HeadBucket): those are the only requests Runnel sends with an XML body. So in the
 * API functions' bundles, and only there, the S3 client's XML request serializer and the two commands are
 * stand-ins that refuse, saying why (9 KB), and the S3 client registers only the errors of the requests
 * they do send (sdk-thrown-errors.ts; 1 KB). S3's XML answers are still read: errors come as XML.
 *
 * test/package/lambda-bundles.test.ts holds the premise: every place lib/ sends one of these is reached
 * only from modules that are in no API function's bundle; test/package/lambda-sdk.test.ts holds these to
 * be the commands with an XML request body, and runs the requests the API functions do send.
 */
export const MAINTENANCE_S3_COMMANDS = ['CreateBucketCommand', 'DeleteObjectsCommand', 'HeadBucketCommand', 'ListObjectsCommand'] as const;

/** Of those, the ones the API functions' bundles would otherwise carry (provision.ts, which sends the bucket's, is in none). */
const STANDING_IN = ['DeleteObjectsCommand', 'ListObjectsCommand'];

const why = (what: string) => JSON.stringify(`Runnel's API functions send no ${what} (cdk/bundling/api-s3-requests.ts): listing and batch deletes are the maintenance function's`);

const STAND_INS: StandIn[] = [
  {
    file: /[\\/]@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]protocols[\\/]xml[\\/]XmlShapeSerializer\.js$/,
    contents: `const refuse = () => { throw new Error(${why('S3 request with an XML body')}); };
export class XmlShapeSerializer {
  setSerdeContext() {}
  write() { refuse(); }
  flush() { refuse(); }
}`,
  },
  ...STANDING_IN.map((command) => ({
    file: new RegExp(`[\\\\/]@aws-sdk[\\\\/]client-s3[\\\\/]dist-es[\\\\/]commands[\\\\/]${command}\\.js$`),
    contents: `export class ${command} { constructor() { throw new Error(${why(command.replace(/Command$/, ''))}); } }`,
  })),
];

/** The errors the API functions' S3 requests (GetObject, PutObject, DeleteObject) can answer. */
export const API_THROWN_ERRORS = {
  ...THROWN_ERRORS,
  '@aws-sdk/client-s3': ['EncryptionTypeMismatch', 'InvalidObjectState', 'InvalidRequest', 'InvalidWriteOffset', 'NoSuchKey', 'TooManyParts', 'AccessDenied'],
};

/** Placed before LAMBDA_SDK_OPTIONS' plugins, so that its schema pass is the one that runs. */
export const apiS3Requests = [standInPlugin('api-s3-requests', STAND_INS), schemaKeysPlugin('api-schema-keys', API_THROWN_ERRORS)];
