import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { decodeSegment, type DecodedSegment } from '../codec/segment.js';
import { LruCache } from './lru.js';

export const segmentKey = (topicId: string, partition: number, segmentId: string) =>
  `${topicId}/${partition}/${segmentId}`;

/** Prefix under which all of a topic's segment objects live; topic ids lead so keys spread across S3 prefixes. */
export const topicPrefix = (topicId: string) => `${topicId}/`;

/**
 * Segment objects in S3. They are immutable once written, so decoded segments are cached by key and
 * concurrent reads of the same object share one GET: a dozen consumers at the tail cost one request.
 */
export class SegmentStore {
  private readonly cache: LruCache<string, DecodedSegment>;
  private readonly inFlight = new Map<string, Promise<DecodedSegment>>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    cacheBytes = 64 * 1024 * 1024,
  ) {
    this.cache = new LruCache(cacheBytes, (s) => s.records.reduce((n, r) => n + 64 + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0), 0));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.runnel.segment' }));
  }

  /** Remembers a segment this process just wrote, so a consumer at the tail reads it without a GET. */
  remember(key: string, segment: DecodedSegment): void {
    this.cache.set(key, segment);
  }

  async get(key: string): Promise<DecodedSegment> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const load = this.load(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, load);
    return load;
  }

  private async load(key: string): Promise<DecodedSegment> {
    let bytes: Uint8Array;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      bytes = await res.Body!.transformToByteArray();
    } catch (e) {
      if (e instanceof NoSuchKey) throw new Error(`segment object ${key} is missing from the bucket`);
      throw e;
    }
    const segment = decodeSegment(bytes, key);
    this.cache.set(key, segment);
    return segment;
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Keys under `prefix`, a page at a time, with plain LIST calls. */
  async *listKeys(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      yield (page.Contents ?? []).map((o) => o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes the given keys, a few at a time, with plain DELETE calls. */
  async deleteAll(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => this.delete(key)));
  }

  /** Deletes every object under `prefix`. */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for await (const keys of this.listKeys(prefix)) {
      await this.deleteAll(keys);
      deleted += keys.length;
    }
    return deleted;
  }
}
