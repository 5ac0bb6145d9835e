import { useState } from 'preact/hooks';
import type { CreateTopicRequest, PartitionState } from '../contract/topics.js';
import { call, describeEach } from './api.js';
import { bytes, count, duration } from './format.js';
import { href, useAction, usePolled } from './hooks.js';
import { ErrorBox, Loading, Num, RefreshButton, Section } from './ui.js';

/** Records a partition holds now: from its log start to its high watermark. */
export const retained = (states: PartitionState[]): number => states.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0);

async function loadTopics(signal: AbortSignal) {
  const { topics } = await call('listTopics', {}, { signal });
  // Describe gives each partition's offsets; a topic deleted meanwhile shows its error in its row.
  return describeEach(topics, (topic) => call('describeTopic', { topic: topic.name }, { signal }));
}

function CreateTopicForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('3');
  const [retentionHours, setRetentionHours] = useState('');
  const create = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const request: CreateTopicRequest = { name: name.trim(), partitions: Number(partitions) };
    if (retentionHours.trim() !== '') request.config = { 'retention.ms': Math.round(Number(retentionHours) * 3_600_000) };
    void create.run(async () => {
      await call('createTopic', {}, { body: request });
      onCreated(request.name);
      setName('');
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Create a topic">
      <label>
        Name
        <input name="topic-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="orders" />
      </label>
      <label>
        Partitions
        <input name="partitions" type="number" min={1} required value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} class="narrow" />
      </label>
      <label>
        Retention (hours)
        <input name="retention-hours" type="number" min={0} step="any" value={retentionHours} onInput={(e) => setRetentionHours(e.currentTarget.value)} placeholder="168 (default)" class="narrow" />
      </label>
      <button type="submit" disabled={create.busy}>
        Create topic
      </button>
      <ErrorBox error={create.error} what="Could not create the topic" />
    </form>
  );
}

export function TopicsPage() {
  const { data, error, reload } = usePolled(loadTopics, 5000, []);
  return (
    <>
      <h1 tabIndex={-1}>Topics</h1>
      <Section title="Create a topic">
        <CreateTopicForm onCreated={(name) => (location.hash = href('topics', name))} />
      </Section>
      <Section
        title="All topics"
        actions={<RefreshButton onClick={reload} />}
      >
        <ErrorBox error={error} what="Could not list the topics" />
        {data === undefined && error === undefined && <Loading what="topics" />}
        {data?.length === 0 && <p class="muted">No topics yet: create one above, or produce to one with auto-create on.</p>}
        {data && data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col" class="num">Partitions</th>
                <th scope="col">High watermarks</th>
                <th scope="col" class="num">Records retained</th>
                <th scope="col" class="num">Size</th>
                <th scope="col" class="num">Retention</th>
                <th scope="col" class="num">Size limit</th>
                <th scope="col">Cleanup</th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ item: topic, description, error: rowError }) => (
                <tr key={topic.name}>
                  <th scope="row">
                    <a href={href('topics', topic.name)}>{topic.name}</a>
                  </th>
                  <Num>{topic.partitions}</Num>
                  <td class="mono">{description ? description.partitionStates.map((p) => count(p.highWatermark)).join(' · ') : <ErrorBox error={rowError} />}</td>
                  <Num>{description ? count(retained(description.partitionStates)) : '–'}</Num>
                  <Num>{description ? bytes(description.bytes) : '–'}</Num>
                  <Num>{duration(topic.config['retention.ms'])}</Num>
                  <Num>{bytes(topic.config['retention.bytes'])}</Num>
                  <td>{topic.config['cleanup.policy']}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
