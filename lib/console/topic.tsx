import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ProduceRequest, ProduceResponse, WireRecordIn, WireRecordOut } from '../contract/records.js';
import { call } from './api.js';
import { bytes, count, duration } from './format.js';
import { href, useAction, usePolled } from './hooks.js';
import { RecordDetail, RecordList } from './record-list.js';
import { useTail, type StartAt } from './tail.js';
import { retained } from './topics.js';
import { DetailHeading, ErrorBox, Num, Section } from './ui.js';

/** `name: value` lines → headers; an error naming the line that has no colon. */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const at = line.indexOf(':');
    if (at <= 0) throw new Error(`header line ${i + 1} is not "name: value": ${JSON.stringify(line)}`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

type ValueAs = 'json' | 'text' | 'base64';

function ProduceForm({ topic, partitions, onProduced }: { topic: string; partitions: number; onProduced: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('{\n  "hello": "world"\n}');
  const [valueAs, setValueAs] = useState<ValueAs>('json');
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const [result, setResult] = useState<string>();
  const send = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    send.setError(undefined);
    setResult(undefined);
    let record: WireRecordIn;
    try {
      let parsed: unknown = value;
      if (valueAs === 'json') {
        try {
          parsed = JSON.parse(value);
        } catch (err) {
          throw new Error(`the value is not JSON (${(err as Error).message}); choose "text" to send it as a string`);
        }
      }
      record = { key: key === '' ? null : key, value: parsed, headers: parseHeaders(headers) };
      if (valueAs === 'base64') record.valueEncoding = 'base64';
      if (partition !== '') record.partition = Number(partition);
    } catch (err) {
      return send.setError(err);
    }
    void send.run(async () => {
      const request: ProduceRequest = { records: [record] };
      const { offsets } = await call('produceRecords', { topic }, { body: request });
      const [first] = offsets;
      setResult(first && `Produced to partition ${first.partition} at offset ${first.offset}.`);
      onProduced();
    });
  };
  return (
    <form class="produce" onSubmit={submit} aria-label="Produce a record">
      <div class="row">
        <label>
          Key
          <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="none: spread over partitions" />
        </label>
        <label>
          Partition
          <select name="partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
            <option value="">by key (murmur2)</option>
            {Array.from({ length: partitions }, (_, p) => (
              <option value={String(p)}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Value is
          <select name="value-as" value={valueAs} onChange={(e) => setValueAs(e.currentTarget.value as ValueAs)}>
            <option value="json">JSON</option>
            <option value="text">text (a JSON string)</option>
            <option value="base64">base64 bytes</option>
          </select>
        </label>
      </div>
      <label>
        Value
        <textarea name="value" rows={5} class="mono" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <label>
        Headers <span class="muted">(one "name: value" per line)</span>
        <textarea name="headers" rows={2} class="mono" value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} placeholder="source: console" />
      </label>
      <div class="row">
        <button type="submit" disabled={send.busy}>
          Produce
        </button>
        {result && (
          <span role="status" class="ok">
            {result}
          </span>
        )}
      </div>
      <ErrorBox error={send.error} what="Not produced" />
    </form>
  );
}

function JumpForm({ partitions, onJump, children }: { partitions: number; onJump: (start: StartAt) => void; children: ComponentChildren }) {
  const [partition, setPartition] = useState('');
  const [offset, setOffset] = useState('');
  const [when, setWhen] = useState('');
  return (
    <div class="jump" role="group" aria-label="Where to read from">
      <button type="button" onClick={() => onJump({ at: 'earliest' })}>
        Earliest
      </button>
      <button type="button" onClick={() => onJump({ at: 'end', before: 0 })}>
        Latest
      </button>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (offset !== '') onJump({ at: 'offset', offset: Number(offset), ...(partition === '' ? {} : { partition: Number(partition) }) });
        }}
      >
        <label>
          Partition
          <select name="jump-partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
            <option value="">all</option>
            {Array.from({ length: partitions }, (_, p) => (
              <option value={String(p)}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Offset
          <input name="jump-offset" type="number" min={0} class="narrow" value={offset} onInput={(e) => setOffset(e.currentTarget.value)} />
        </label>
        <button type="submit">Go to offset</button>
      </form>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const ms = Date.parse(when);
          if (!Number.isNaN(ms)) onJump({ at: 'time', timestamp: ms });
        }}
      >
        <label>
          Time
          <input name="jump-time" type="datetime-local" step="1" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
        </label>
        <button type="submit">Go to time</button>
      </form>
      {children}
    </div>
  );
}

function Records({ topic, partitions }: { topic: string; partitions: number }) {
  const tail = useTail(topic);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<WireRecordOut>();
  return (
    <Section
      title="Records"
      actions={
        <>
          <span class="muted" role="status" aria-live="off">
            {tail.running ? `tailing · ${tail.rate.toFixed(0)} records/s` : 'paused'} · {count(tail.records.length)} shown
          </span>
          <button type="button" class={tail.running ? '' : 'primary'} aria-pressed={!tail.running} onClick={() => tail.setRunning(!tail.running)}>
            {tail.running ? 'Pause tail' : 'Resume tail'}
          </button>
        </>
      }
    >
      <JumpForm partitions={partitions} onJump={tail.jump}>
        <label class="filter">
          Filter by key (contains)
          <input name="key-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
      </JumpForm>
      <ErrorBox error={tail.error} what="Reading records failed (retrying)" />
      {tail.notice && <p class="notice">{tail.notice}</p>}
      <div class="records">
        <RecordList records={tail.records} version={tail.version} filter={filter} selected={selected} onSelect={setSelected} />
        <RecordDetail record={selected} />
      </div>
    </Section>
  );
}

export function TopicPage({ name }: { name: string }) {
  const { data, error, reload } = usePolled((signal) => call('describeTopic', { topic: name }, { signal }), 3000, [name]);
  return (
    <>
      <DetailHeading parent="Topics" parentHref={href('topics')} name={name} error={error} loading={!data && 'the topic'} />
      {data && (
        <>
          <div class="topic-top">
          <Section title="Partitions">
            <p class="muted">
              {data.partitions} partitions · {count(retained(data.partitionStates))} records retained, {bytes(data.bytes)} · retention {duration(data.config['retention.ms'])}, size limit {bytes(data.config['retention.bytes'])} per partition ·{' '}
              {data.config['cleanup.policy']} · created {new Date(data.createdAt).toLocaleString()}
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Log start offset</th>
                  <th scope="col" class="num">High watermark</th>
                  <th scope="col" class="num">Records</th>
                  <th scope="col" class="num">Size</th>
                </tr>
              </thead>
              <tbody>
                {data.partitionStates.map((p) => (
                  <tr key={p.partition}>
                    <Num>{p.partition}</Num>
                    <Num>{count(p.logStartOffset)}</Num>
                    <Num>{count(p.highWatermark)}</Num>
                    <Num>{count(p.highWatermark - p.logStartOffset)}</Num>
                    <Num>{bytes(p.bytes)}</Num>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Produce">
            <ProduceForm topic={name} partitions={data.partitions} onProduced={reload} />
          </Section>
          </div>
          <Records topic={name} partitions={data.partitions} key={data.topicId} />
        </>
      )}
    </>
  );
}
