import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { StoredRecord } from '../codec/record.js';
import { decodeSegment, type DecodedSegment } from '../codec/segment.js';
import { RunnelError } from '../errors.js';
import { LruCache } from './lru.js';

/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000;

/**
 * A segment object that is not in the bucket. S3 answers a GET of a missing key with 404 NoSuchKey
 * only to a caller allowed s3:ListBucket; to one without (the API's functions on AWS, which never list)
 * it answers 403 AccessDenied. Both mean the object is not there for this function to read.
 */
export class SegmentMissingError extends RunnelError {
  constructor(readonly key: string) {
    super({ status: 502, code: 'missing_segment', message: `segment ${key} is missing from the bucket` });
  }
}

const isMissing = (e: unknown) =>
  e instanceof NoSuchKey || (e instanceof Error && (e.name === 'NoSuchKey' || e.name === 'AccessDenied'));

/**
 * Whether bytes are a view that keeps alive much more than itself: a record's key or value from a CBOR
 * body is a view of the whole request body (lib/api/wire-record.ts). The cache counts a record's own
 * bytes, so a remembered view would hold up to 6 MiB uncounted (one small record of a large body).
 * Views of Node's 8 KiB buffer pool (small Buffer.from results) are left as they are.
 */
const pinsMore = (b: Uint8Array | null) => b !== null && b.buffer.byteLength > Math.max(2 * b.byteLength, 8192);

const own = (b: Uint8Array | null) => (pinsMore(b) ? b!.slice() : b);

const ownBytes = (r: StoredRecord): StoredRecord => ({ ...r, key: own(r.key), value: own(r.value) });

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
  private readonly client: () => S3Client;

  /** `s3` may be a function that builds the client: then it is built at the first request, not before. */
  constructor(
    s3: S3Client | (() => S3Client),
    private readonly bucket: string,
    cacheBytes = 64 * 1024 * 1024,
  ) {
    this.client = typeof s3 === 'function' ? s3 : () => s3;
    this.cache = new LruCache(cacheBytes, (s) => s.records.reduce((n, r) => n + 64 + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0), 0));
  }

  private get s3(): S3Client {
    return this.client();
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.runnel.segment' }));
  }

  /** Remembers a segment this process just wrote, so a consumer at the tail reads it without a GET. */
  remember(key: string, segment: DecodedSegment): void {
    this.cache.set(key, { ...segment, records: segment.records.map(ownBytes) });
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
      if (isMissing(e)) throw new SegmentMissingError(key);
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

  /**
   * Keys under `prefix` in key order, a page (at most 1,000) at a time, each page starting after the
   * last key of the one before. This is ListObjects (V1) with `Marker`, on purpose: s3rver answers 500
   * to any truncated ListObjectsV2 page on Node ≥ 17, because it cannot build the continuation token
   * (`createCipheriv('des')` under OpenSSL 3), even when the request uses StartAfter. V1 pages by the
   * key alone, on AWS and the emulator alike, with the same s3:ListBucket permission.
   */
  async *listKeys(prefix: string): AsyncGenerator<string[]> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.s3.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker }));
      const keys = (page.Contents ?? []).map((o) => o.Key!);
      if (keys.length) yield keys;
      if (!page.IsTruncated || keys.length === 0) return;
      marker = keys[keys.length - 1];
    }
  }

  /** Deletes the given keys with DeleteObjects, 1,000 a call; throws if S3 refused any of them. */
  async deleteAll(keys: string[]): Promise<void> {
    for (const key of keys) this.cache.delete(key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.s3.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const refused = res.Errors ?? [];
      if (refused.length) {
        throw new Error(`S3 refused to delete ${refused.length} of ${batch.length} objects: ${refused[0]!.Key} ${refused[0]!.Code} ${refused[0]!.Message}`);
      }
    }
  }

  /**
   * Deletes objects under `prefix`, at most `limit` of them (whole pages), and says how many and
   * whether any remain, so that a caller with a time budget can stop and resume on its next run.
   */
  async deletePrefix(prefix: string, limit = Infinity): Promise<{ deleted: number; done: boolean }> {
    let deleted = 0;
    for await (const keys of this.listKeys(prefix)) {
      if (deleted >= limit) return { deleted, done: false };
      await this.deleteAll(keys);
      deleted += keys.length;
    }
    return { deleted, done: true };
  }
}
