import { useEffect, useState } from 'preact/hooks';
import type { GroupDescription } from '../contract/groups.js';
import { call } from './api.js';
import { count, duration } from './format.js';
import { href, usePolled } from './hooks.js';
import { LagChart, type LagSample } from './lag-chart.js';
import { DetailHeading, ErrorBox, Loading, Num, RefreshButton, Section } from './ui.js';

/** How often a group's page samples it while open, and how many samples its chart keeps (10 minutes). */
const SAMPLE_MS = 2000;
const KEEP_SAMPLES = 300;

export function GroupsPage() {
  const { data, error, reload } = usePolled((signal) => call('listGroups', {}, { signal }), 5000, []);
  return (
    <>
      <h1 tabIndex={-1}>Consumer groups</h1>
      <Section
        title="All groups"
        actions={<RefreshButton onClick={reload} />}
      >
        <ErrorBox error={error} what="Could not list the groups" />
        {!data && !error && <Loading what="groups" />}
        {data?.groups.length === 0 && <p class="muted">No consumer groups yet: a group appears when its first member joins.</p>}
        {data && data.groups.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col" class="num">Live members</th>
                <th scope="col" class="num">Partitions</th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.group}>
                  <th scope="row">
                    <a href={href('groups', g.group)}>{g.group}</a>
                  </th>
                  <Num>{g.members}</Num>
                  <Num>{g.partitions}</Num>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

const lagByTopic = (d: GroupDescription): Record<string, number | null> => {
  const lag: Record<string, number | null> = {};
  for (const p of d.partitions) lag[p.topic] = p.lag === null ? (lag[p.topic] ?? null) : (lag[p.topic] ?? 0) + p.lag;
  return lag;
};

/** The theme the page shows now (main.tsx sets it on the root element): the chart takes its colours from it. */
function useShownTheme(): string | undefined {
  const [theme, setTheme] = useState(document.documentElement.dataset.theme);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(document.documentElement.dataset.theme));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

export function GroupPage({ name }: { name: string }) {
  const [samples, setSamples] = useState<LagSample[]>([]);
  const theme = useShownTheme();
  const { data, error } = usePolled(
    async (signal) => {
      const d = await call('describeGroup', { group: name }, { signal });
      setSamples((s) => [...s.slice(-(KEEP_SAMPLES - 1)), { at: Date.now() / 1000, lag: lagByTopic(d) }]);
      return d;
    },
    SAMPLE_MS,
    [name],
  );
  const clientOf = new Map(data?.members.map((m) => [m.memberId, m.clientId]) ?? []);
  const topics = [...new Set(samples.flatMap((s) => Object.keys(s.lag)))].sort();
  const totalLag = data?.partitions.reduce((n, p) => n + (p.lag ?? 0), 0);
  return (
    <>
      <DetailHeading parent="Groups" parentHref={href('groups')} name={name} error={error} loading={!data && 'the group'} />
      {data && (
        <>
          <p>
            State <strong class={`state state-${data.state}`}>{data.state}</strong> · {data.members.length} {data.members.length === 1 ? 'member' : 'members'} · total lag{' '}
            <strong data-testid="group-total-lag">{count(totalLag)}</strong>
          </p>
          <Section title="Lag over time">
            <p class="muted">Sampled every {SAMPLE_MS / 1000} s while this page is open.</p>
            {topics.length > 0 ? <LagChart samples={samples} series={topics} theme={theme} /> : <p class="muted">No partitions yet.</p>}
          </Section>
          <Section title="Members">
            {data.members.length === 0 ? (
              <p class="muted">No live members.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Client id</th>
                    <th scope="col">Topics</th>
                    <th scope="col" class="num">Partitions</th>
                    <th scope="col" class="num">Session ends in</th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((m) => (
                    <tr key={m.memberId}>
                      <td class="mono">{m.memberId}</td>
                      <td>{m.clientId ?? <em class="muted">none</em>}</td>
                      <td>{m.topics.join(', ')}</td>
                      <Num>{m.partitions}</Num>
                      <Num>{duration(m.expiresInMs)}</Num>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="Assignment and lag">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col">Owner (client id)</th>
                  <th scope="col" class="num">Epoch</th>
                  <th scope="col" class="num">Committed offset</th>
                  <th scope="col" class="num">High watermark</th>
                  <th scope="col" class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                {data.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`}>
                    <td>
                      <a href={href('topics', p.topic)}>{p.topic}</a>
                    </td>
                    <Num>{p.partition}</Num>
                    <td class="mono">
                      {p.owner === null ? <em class="muted">unowned</em> : `${p.owner}${clientOf.get(p.owner) ? ` (${clientOf.get(p.owner)})` : ''}`}
                      {p.handoff && <span class="badge">handing off to {p.handoff}</span>}
                    </td>
                    <Num>{p.epoch}</Num>
                    <Num>{count(p.committedOffset)}</Num>
                    <Num>{count(p.highWatermark)}</Num>
                    <Num>{count(p.lag)}</Num>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </>
  );
}
