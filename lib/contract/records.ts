/**
 * A record as producers send it. Keys are UTF-8 strings and values any JSON value, unless
 * `keyEncoding`/`valueEncoding` is "base64", in which case they are base64 strings of raw bytes.
 * A `null` value is a tombstone. In a CBOR body (`application/cbor`, docs/produce-cbor.md) a key or
 * value may also be a byte string (a Uint8Array here): the bytes themselves, as base64 marks them in JSON.
 */
export interface WireRecordIn {
  key?: string | Uint8Array | null;
  keyEncoding?: 'utf8' | 'base64';
  value: unknown;
  valueEncoding?: 'json' | 'base64';
  headers?: Record<string, string>;
  partition?: number;
  /** Milliseconds since the epoch; the server's clock when left out. */
  timestamp?: number;
}

/** A record as a fetch returns it; binary keys and values come back as base64, marked. */
export interface WireRecordOut {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  keyEncoding?: 'base64';
  valueEncoding?: 'base64';
}

/**
 * An idempotent producer names itself and gives, per partition in the request (keys are partition
 * numbers), the sequence number of that partition's first record; every record then names its partition.
 */
export interface ProducerIdentity {
  id: string;
  sequences: Record<string, number>;
}

/** `POST /v1/topics/{topic}/records`. */
export interface ProduceRequest {
  records: WireRecordIn[];
  producer?: ProducerIdentity;
}

export interface ProducedOffset {
  partition: number;
  offset: number;
  timestamp: number;
}

/** Offsets in request order. */
export interface ProduceResponse {
  offsets: ProducedOffset[];
}
