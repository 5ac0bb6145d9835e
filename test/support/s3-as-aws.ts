import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';

const ACCESS_DENIED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

/**
 * Makes the emulator answer a GET of a missing object as AWS answers a caller without s3:ListBucket:
 * 403 AccessDenied instead of 404 NoSuchKey. It rewrites the raw HTTP response, below the SDK's own
 * deserializer, so the code under test sees the very exception AWS would raise.
 */
export function answerMissingObjectsAsAws(s3: S3Client): void {
  (s3.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      const out = await next(args);
      if (context.commandName === 'GetObjectCommand' && out.response?.statusCode === 404) {
        out.response.statusCode = 403;
        out.response.headers = { ...out.response.headers, 'content-type': 'application/xml' };
        out.response.body = Readable.from([Buffer.from(ACCESS_DENIED)]);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: `missing-as-403-${Math.random().toString(36).slice(2)}` },
  );
}
