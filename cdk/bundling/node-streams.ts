import { standInPlugin } from './stand-ins.js';

/**
 * The SDK's Node stream helpers each hand a web `ReadableStream` to a browser twin: wrapping a response
 * body (`sdkStreamMixin`), checking a response's checksum as it streams (`createChecksumStream`), and
 * encoding a streamed upload (`getAwsChunkedEncodingStream`). In the Lambda bundles no stream is a web
 * stream: the Node HTTP handler answers with Node's `IncomingMessage`, and Runnel uploads byte arrays. So
 * each browser twin is one that refuses, saying why, should a web stream ever reach it (3.5 KB).
 * test/package/lambda-sdk.test.ts runs PutObject and a checksum-validated GetObject through them.
 */
const refusal = (name: string) =>
  `export const ${name} = () => { throw new Error("Runnel's Lambda bundles leave out the AWS SDK's web-stream ${name} (cdk/bundling/node-streams.ts): their streams are Node streams"); };`;

const WEB_STREAM_TWINS: Array<{ file: RegExp; name: string }> = [
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]serde[\\/]util-stream[\\/]sdk-stream-mixin\.browser\.js$/, name: 'sdkStreamMixin' },
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]serde[\\/]util-stream[\\/]checksum[\\/]createChecksumStream\.browser\.js$/, name: 'createChecksumStream' },
  { file: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]serde[\\/]util-stream[\\/]getAwsChunkedEncodingStream\.browser\.js$/, name: 'getAwsChunkedEncodingStream' },
];

export const nodeStreams = standInPlugin('node-streams', WEB_STREAM_TWINS.map(({ file, name }) => ({ file, contents: refusal(name) })));
