import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { WireRecordOut } from '../contract/records.js';
import { time } from './format.js';

const ROW_HEIGHT = 28;
/** Rows drawn beyond the visible ones, so a fast scroll shows no gap. */
const OVERSCAN = 10;

const preview = (r: WireRecordOut): string => {
  if (r.value === null) return 'null (tombstone)';
  const text = r.valueEncoding === 'base64' ? String(r.value) : JSON.stringify(r.value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** Records whose key contains `filter` (the base64 text, for a binary key), as indexes into `records`. */
export function matching(records: WireRecordOut[], filter: string): number[] | undefined {
  if (filter === '') return undefined;
  const out: number[] = [];
  for (let i = 0; i < records.length; i++) if (records[i]!.key?.includes(filter)) out.push(i);
  return out;
}

/**
 * A virtualised list: only the rows in view (and a few around them) are in the DOM, so a tail of
 * thousands of records a second costs the same to draw as a few. Stuck to the bottom, it follows new
 * records; scrolled up, it stays. Arrow keys, Page Up/Down, Home and End move the selection.
 */
export function RecordList({ records, version, filter, selected, onSelect }: { records: WireRecordOut[]; version: number; filter: string; selected: WireRecordOut | undefined; onSelect: (r: WireRecordOut) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const stuck = useRef(true);
  const shown = useMemo(() => matching(records, filter), [records, version, filter]);
  const total = shown ? shown.length : records.length;
  const at = (i: number): WireRecordOut => records[shown ? shown[i]! : i]!;
  const selectedIndex = useMemo(() => {
    if (!selected) return -1;
    for (let i = total - 1; i >= 0; i--) {
      const r = at(i);
      if (r.partition === selected.partition && r.offset === selected.offset) return i;
    }
    return -1;
  }, [selected, version, total, filter]);

  useEffect(() => {
    const el = box.current!;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Positions come from the row count and the list's height, not from reading the layout back: a
  // read (scrollHeight, clientHeight) would force a layout in every frame a tail adds rows.
  const bottom = Math.max(0, total * ROW_HEIGHT - height);
  useLayoutEffect(() => {
    if (!stuck.current) return;
    box.current!.scrollTop = bottom;
    setScrollTop(bottom);
  }, [version, total, bottom]);

  const onScroll = () => {
    const top = box.current!.scrollTop;
    stuck.current = top >= bottom - ROW_HEIGHT;
    setScrollTop(top);
  };

  const select = (i: number) => {
    if (total === 0) return;
    const index = Math.max(0, Math.min(total - 1, i));
    onSelect(at(index));
    const el = box.current!;
    const top = index * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };
  const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
  const onKey = (e: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    const move = moves[e.key];
    if (move === undefined) return;
    e.preventDefault();
    const from = selectedIndex < 0 ? (move > 0 ? -1 : total) : selectedIndex;
    select(move === Infinity ? total - 1 : move === -Infinity ? 0 : from + move);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = at(i);
    rows.push(
      <div
        key={`${r.partition}-${r.offset}`}
        id={`record-${i}`}
        role="option"
        aria-selected={i === selectedIndex}
        class="record-row"
        style={{ transform: `translateY(${i * ROW_HEIGHT}px)` }}
        onClick={() => select(i)}
      >
        <span class="mono partition">p{r.partition}</span>
        <span class="mono offset">{r.offset}</span>
        <span class="mono when">{time(r.timestamp)}</span>
        <span class="mono key" title={r.key ?? ''}>
          {r.key === null ? <em>no key</em> : r.key}
        </span>
        <span class="mono value">
          {r.valueEncoding === 'base64' && <span class="badge">base64</span>}
          {preview(r)}
        </span>
      </div>,
    );
  }
  return (
    <div
      ref={box}
      class="record-list"
      role="listbox"
      tabIndex={0}
      aria-label={`Records (${total}); arrow keys move`}
      aria-activedescendant={selectedIndex >= 0 ? `record-${selectedIndex}` : undefined}
      onScroll={onScroll}
      onKeyDown={onKey}
    >
      <div class="record-spacer" style={{ height: `${total * ROW_HEIGHT}px` }}>
        {rows}
      </div>
      {total === 0 && <p class="muted empty">{filter ? `No record here has a key containing "${filter}".` : 'No records here yet.'}</p>}
    </div>
  );
}

/** One record in full: where it is, its key, its headers, and its value as pretty JSON (or base64, said so). */
export function RecordDetail({ record }: { record: WireRecordOut | undefined }) {
  if (!record) return <p class="muted">Select a record to see it in full.</p>;
  const headers = Object.entries(record.headers);
  const base64Bytes = (text: string) => Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  return (
    <div class="record-detail" aria-live="polite">
      <dl>
        <dt>Partition</dt>
        <dd class="mono">{record.partition}</dd>
        <dt>Offset</dt>
        <dd class="mono">{record.offset}</dd>
        <dt>Timestamp</dt>
        <dd class="mono">
          {time(record.timestamp)} <span class="muted">({new Date(record.timestamp).toISOString()}, {record.timestamp})</span>
        </dd>
        <dt>Key</dt>
        <dd class="mono">
          {record.key === null ? <em>none</em> : record.key}
          {record.keyEncoding === 'base64' && <span class="badge">base64</span>}
        </dd>
      </dl>
      <h3>Headers</h3>
      {headers.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="headers">
          <tbody>
            {headers.map(([name, value]) => (
              <tr key={name}>
                <th scope="row" class="mono">
                  {name}
                </th>
                <td class="mono">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>
        Value{' '}
        {record.valueEncoding === 'base64' ? <span class="badge">base64, {base64Bytes(String(record.value))} bytes</span> : record.value === null ? <span class="badge">tombstone</span> : <span class="badge">JSON</span>}
      </h3>
      <pre class="value-json">{record.valueEncoding === 'base64' ? String(record.value) : JSON.stringify(record.value, null, 2)}</pre>
    </div>
  );
}
