/**
 * What a schedule run observed, for the checker. Steps number every request's start and end in the
 * order they happened, so the checker can tell which requests overlapped a topic delete.
 */

/** A point in a run: the schedule's clock, then the step, to order events at the same clock time. */
export interface Stamp {
  t: number;
  step: number;
}

export const before = (a: Stamp, b: Stamp) => a.t < b.t || (a.t === b.t && a.step < b.step);

/** One record as a producer sent it; `tag` is unique to the record (the value is `{ t: tag }`). */
export interface SentRecord {
  tag: string;
  /** The partition the record names, if it names one. */
  partition?: number;
  key: string | null;
  timestamp: number;
  /** Idempotent producers: the producer id and the record's own sequence number on its partition. */
  producer?: string;
  sequence?: number;
}

export interface ProduceRequest {
  id: number;
  idempotent: boolean;
  records: SentRecord[];
  /** Tags this request introduced (an extended retry re-sends its original's records too). */
  newTags: Set<string>;
  body: unknown;
}

export interface ProduceAttempt {
  request: ProduceRequest;
  instance: number;
  start: number;
  end: number;
  /** The HTTP status, or 'dropped' when the answer was lost on the way back. */
  status: number | 'dropped';
  /** The answered offsets, in request order, for a 200. */
  offsets?: Array<{ partition: number; offset: number }>;
  /** Variant checks: a stale sequence or a mismatched retry, which must not be acknowledged as new records. */
  variant: string;
}

/** An incarnation of the topic: created (its create answered) at one step, perhaps deleted from a later one. */
export interface Incarnation {
  createdAt: number;
  deleteStartedAt?: number;
  topicId?: string;
}

export interface ReadObservation {
  start: number;
  end: number;
  partition: number;
  offset: number;
  status: number;
  records: Array<{ offset: number; value: any; key: string | null; timestamp: number }>;
  errorBody?: any;
  /** The read's op injected an error (not a stall), so a 5xx is expected. */
  faulted: boolean;
}

export interface Grant {
  member: string;
  partition: number;
  epoch: number;
  start: Stamp;
  /** When the member stops believing it holds the partition: released, told so, or its session ran out. */
  end?: Stamp;
}

export interface History {
  attempts: ProduceAttempt[];
  incarnations: Incarnation[];
  reads: ReadObservation[];
  /** The latest retention cutoff (clock − retention.ms) any maintenance pass used. */
  retentionCutoff: number;
  /** Violations found while running (they need the moment's state, not the end's). */
  violations: string[];
}
