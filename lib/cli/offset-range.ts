export interface AssertInLogOptions {
  topic: string;
  partition: number;
  offset: number;
  state: { logStartOffset: number; highWatermark: number };
}

/**
 * Throws, naming the log's bounds, when an offset is outside a partition's log. A CLI that read nothing
 * from such an offset and exited 0 would hide a typo or a log that retention has trimmed.
 */
export function assertInLog({ topic, partition, offset, state }: AssertInLogOptions): void {
  if (offset < state.logStartOffset || offset > state.highWatermark) {
    throw new Error(
      `offset ${offset} is out of range for partition ${partition} of "${topic}": it holds offsets from ${state.logStartOffset} (log start) up to ${state.highWatermark} (high watermark)`,
    );
  }
}
