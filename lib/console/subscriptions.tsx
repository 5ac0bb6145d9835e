import type { SubscriptionDescription, UpdateSubscriptionRequest } from '../contract/subscriptions.js';
import { call, describeEach } from './api.js';
import { count, duration, time } from './format.js';
import { href, useAction, usePolled } from './hooks.js';
import { ErrorBox, Loading, Num, RefreshButton, Section } from './ui.js';

type SubscriptionRow = Awaited<ReturnType<typeof loadSubscriptions>>[number];

async function loadSubscriptions(signal: AbortSignal) {
  const { subscriptions } = await call('listSubscriptions', {}, { signal });
  return describeEach(subscriptions, ({ name }) => call('describeSubscription', { name }, { signal }));
}

const sum = (d: SubscriptionDescription, pick: (p: SubscriptionDescription['partitions'][number]) => number | null) => d.partitions.reduce((n, p) => n + (pick(p) ?? 0), 0);

function lastError(d: SubscriptionDescription) {
  const errors = d.partitions.flatMap((p) => (p.lastError ? [{ partition: p.partition, ...p.lastError }] : []));
  return errors.sort((a, b) => b.at - a.at)[0];
}

function Row({ row, onChanged }: { row: SubscriptionRow; onChanged: () => void }) {
  const change = useAction();
  const d = row.description;
  if (!d) {
    return (
      <tr>
        <th scope="row">{row.item.name}</th>
        <td colSpan={8}>
          <ErrorBox error={row.error} />
        </td>
      </tr>
    );
  }
  const setState = (state: 'active' | 'paused') =>
    change.run(async () => {
      const request: UpdateSubscriptionRequest = { state };
      await call('updateSubscription', { name: d.name }, { body: request });
      onChanged();
    });
  const oldest = Math.max(-1, ...d.partitions.map((p) => p.oldestUndeliveredAgeMs ?? -1));
  const failure = lastError(d);
  const retrying = d.partitions.filter((p) => p.attempts > 0).length;
  return (
    <tr data-subscription={d.name}>
      <th scope="row">{d.name}</th>
      <td>
        <a href={href('topics', d.topic)}>{d.topic}</a>
        <div class="muted small">{d.target.type === 'lambda' ? d.target.functionArn : d.target.url}</div>
      </td>
      <td>
        <span class={`state state-${d.state}`} data-testid="subscription-state">
          {d.state}
        </span>
      </td>
      <Num>{count(sum(d, (p) => p.lag))}</Num>
      <Num>{oldest < 0 ? '–' : duration(oldest)}</Num>
      <td class="small">
        {failure ? (
          <>
            <span class="mono">{failure.kind}</span>: {failure.message}
            <div class="muted">
              partition {failure.partition}, {time(failure.at)}
              {failure.retriable ? ', retrying' : ''}
              {retrying > 0 ? ` · ${retrying} partition${retrying === 1 ? '' : 's'} retrying` : ''}
            </div>
          </>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      <Num>
        {count(sum(d, (p) => p.deadLettered))}
        <div class="muted small">
          <a href={href('topics', d.deadLetterTopic)}>{d.deadLetterTopic}</a>
        </div>
      </Num>
      <td>
        {d.state === 'active' ? (
          <button type="button" disabled={change.busy} onClick={() => void setState('paused')} aria-label={`Pause ${d.name}`}>
            Pause
          </button>
        ) : (
          <button type="button" class="primary" disabled={change.busy} onClick={() => void setState('active')} aria-label={`Resume ${d.name}`}>
            Resume
          </button>
        )}
        <ErrorBox error={change.error} />
      </td>
    </tr>
  );
}

export function SubscriptionsPage() {
  const { data, error, reload } = usePolled(loadSubscriptions, 3000, []);
  return (
    <>
      <h1 tabIndex={-1}>Push subscriptions</h1>
      <Section
        title="All subscriptions"
        actions={<RefreshButton onClick={reload} />}
      >
        <ErrorBox error={error} what="Could not list the subscriptions" />
        {!data && !error && <Loading what="subscriptions" />}
        {data?.length === 0 && <p class="muted">No subscriptions yet: create one with the API or `runnel subscriptions create`.</p>}
        {data && data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Subscription</th>
                <th scope="col">Topic and target</th>
                <th scope="col">State</th>
                <th scope="col" class="num">Lag</th>
                <th scope="col" class="num">Oldest undelivered</th>
                <th scope="col">Last error</th>
                <th scope="col" class="num">Dead-lettered</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((row) => (
                <Row key={row.item.name} row={row} onChanged={reload} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
