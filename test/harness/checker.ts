import type { History, Incarnation, SentRecord } from './history.js';
import type { RunResult } from './runner.js';

/** Whether a request (or read) from `start` to `end` certainly ran against `inc`, and not across a delete. */
const within = (inc: Incarnation | undefined, start: number, end: number) =>
  inc !== undefined && start > inc.createdAt && (inc.deleteStartedAt === undefined || end < inc.deleteStartedAt);

/**
 * The invariants every schedule must keep, judged on the topic as it is at the end (its last
 * incarnation) and on what the run saw on the way. Group invariants G1–G5 are judged as the run goes
 * (they need the moment's state) and arrive in `history.violations`.
 */
export function check(result: RunResult): string[] {
  const { history, final } = result;
  const violations = [...history.violations];
  const current = history.incarnations[history.incarnations.length - 1];
  const sent = new Map<string, SentRecord>();
  for (const a of history.attempts) for (const r of a.request.records) sent.set(r.tag, r);

  // What is in the log at the end, and whether each record is one that was sent, as it was sent.
  const at = new Map<string, string>();
  const count = new Map<string, number>();
  const bySequence = new Map<string, string>();
  for (const [partition, { records }] of final) {
    for (const r of records) {
      const tag: string | undefined = r.value?.t;
      at.set(`${partition}:${r.offset}`, tag ?? JSON.stringify(r.value));
      const s = tag === undefined ? undefined : sent.get(tag);
      if (!s) {
        violations.push(`partition ${partition} offset ${r.offset} holds a record nobody sent: ${JSON.stringify(r)}`);
        continue;
      }
      count.set(tag!, (count.get(tag!) ?? 0) + 1);
      if (s.key !== r.key || s.timestamp !== r.timestamp) violations.push(`record ${tag} at ${partition}:${r.offset} reads back changed: ${JSON.stringify(r)}`);
      if (s.partition !== undefined && s.partition !== partition) violations.push(`record ${tag} named partition ${s.partition} but is in ${partition}`);
      if (s.producer !== undefined) {
        // Exactly once per (producer, sequence): a retry never commits a second copy.
        const id = `${s.producer}/${partition}/${s.sequence}`;
        const other = bySequence.get(id);
        if (other !== undefined) violations.push(`idempotence: producer ${s.producer} sequence ${s.sequence} on partition ${partition} is in the log twice (${other}, ${tag}@${r.offset})`);
        bySequence.set(id, `${tag}@${r.offset}`);
      }
    }
  }
  for (const [tag, n] of count) {
    if (n > 1 && sent.get(tag)!.producer !== undefined) violations.push(`idempotence: record ${tag} of producer ${sent.get(tag)!.producer} is in the log ${n} times`);
  }

  // L1: every acknowledged record of this incarnation is at its acknowledged offset, unless retention removed it by policy.
  for (const a of history.attempts) {
    if (a.status !== 200 || !a.offsets || !within(current, a.start, a.end)) continue;
    a.request.records.forEach((r, i) => {
      const o = a.offsets![i]!;
      const part = final.get(o.partition);
      if (!part) return;
      if (o.offset < part.logStartOffset) {
        if (r.timestamp >= history.retentionCutoff) violations.push(`L1: acknowledged record ${r.tag} at ${o.partition}:${o.offset} is below the log start ${part.logStartOffset}, but retention never expired it`);
        return;
      }
      const found = at.get(`${o.partition}:${o.offset}`);
      if (found !== r.tag) {
        violations.push(
          `L1: request ${a.request.id} (${a.variant}, step ${a.start}) was acknowledged with ${r.tag} at ${o.partition}:${o.offset}, which holds ${found ?? `nothing (log [${part.logStartOffset}, ${part.highWatermark}))`}`,
        );
      }
    });
  }

  // L5: a request refused outright wrote nothing.
  const attemptsOf = new Map<number, typeof history.attempts>();
  for (const a of history.attempts) attemptsOf.set(a.request.id, [...(attemptsOf.get(a.request.id) ?? []), a]);
  for (const [id, attempts] of attemptsOf) {
    const [a] = attempts;
    if (attempts.length !== 1 || typeof a!.status !== 'number' || a!.status < 400 || a!.status >= 500 || !within(current, a!.start, a!.end)) continue;
    const written = [...a!.request.newTags].filter((t) => count.has(t));
    if (written.length) violations.push(`L5: request ${id} (${a!.variant}) was refused with ${a!.status}, but wrote ${written.join(', ')}`);
  }

  // Order: an idempotent producer's records keep its sequence order; any request's records keep their order per key.
  for (const [partition, { records }] of final) {
    const lastSeq = new Map<string, number>();
    for (const r of records) {
      const s = sent.get(r.value?.t);
      if (!s || s.producer === undefined) continue;
      const prev = lastSeq.get(s.producer);
      if (prev !== undefined && s.sequence! <= prev) violations.push(`order: producer ${s.producer} on partition ${partition}: sequence ${s.sequence} at offset ${r.offset} after sequence ${prev}`);
      lastSeq.set(s.producer, s.sequence!);
    }
  }
  const firstOffset = new Map<string, { partition: number; offset: number }>();
  for (const [partition, { records }] of final) for (const r of records) if (!firstOffset.has(r.value?.t)) firstOffset.set(r.value?.t, { partition, offset: r.offset });
  for (const [id, attempts] of attemptsOf) {
    const byKey = new Map<string, { partition: number; offset: number; tag: string }>();
    for (const r of attempts[0]!.request.records) {
      const f = firstOffset.get(r.tag);
      if (!f || r.key === null) continue;
      const prev = byKey.get(`${f.partition}/${r.key}`);
      if (prev && prev.offset > f.offset) violations.push(`order: request ${id}, key ${r.key}: ${r.tag} at ${f.offset} before ${prev.tag} at ${prev.offset}`);
      byKey.set(`${f.partition}/${r.key}`, { ...f, tag: r.tag });
    }
  }

  // Reads: from the offset asked, in order, no skips; an offset never reads back as two different records.
  for (const read of history.reads) {
    const where = `read of partition ${read.partition} at ${read.offset} (step ${read.start})`;
    if (read.status >= 500 && !read.faulted) violations.push(`L3: ${where} answered ${read.status} ${JSON.stringify(read.errorBody).slice(0, 200)}`);
    if (read.status === 416) {
      const e = read.errorBody?.error ?? {};
      if (!(read.offset < e.logStartOffset || read.offset > e.highWatermark)) violations.push(`${where}: 416 although the offset is within [${e.logStartOffset}, ${e.highWatermark}]`);
    }
    if (read.status !== 200) continue;
    read.records.forEach((r, i) => {
      if (r.offset !== read.offset + i) violations.push(`L2: ${where} returned offset ${r.offset} as its record ${i}: it skipped ${read.offset + i}..${r.offset - 1}`);
    });
    if (!within(current, read.start, read.end)) continue;
    for (const r of read.records) {
      const now = at.get(`${read.partition}:${r.offset}`);
      if (now !== undefined && now !== r.value?.t) violations.push(`${where}: offset ${r.offset} read as ${r.value?.t}, later as ${now}`);
    }
  }
  // The group processed every record below its committed offset on this incarnation, at least once:
  // a consumer that kept a position from before a re-create, or a new owner handed a stale offset, skips.
  for (const [partition, offset] of result.committed) {
    const part = final.get(partition);
    const skipped = (part?.records ?? []).filter((r) => r.offset < offset && !result.processed.has(`${partition}:${r.offset}:${r.value?.t}`));
    if (skipped.length) violations.push(`group: partition ${partition} is committed at ${offset}, but offsets ${skipped.map((r) => r.offset).join(', ')} were never processed`);
  }
  return [...new Set(violations)];
}

export type { History };
