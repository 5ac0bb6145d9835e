import type { ComponentChildren } from 'preact';
import { ApiError, messageOf } from './api.js';

/** An error as the API said it: its message, and its code and field for who needs them. Never a blank page. */
export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (error === undefined || error === null) return null;
  const detail = error instanceof ApiError ? [error.status ? `HTTP ${error.status}` : '', error.code, error.field ? `field ${error.field}` : ''].filter(Boolean).join(' · ') : '';
  return (
    <div class="error" role="alert">
      <strong>{what ? `${what}: ` : ''}</strong>
      <span class="error-message">{messageOf(error)}</span>
      {detail && <span class="error-detail"> ({detail})</span>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <header class="panel-head">
        <h2>{title}</h2>
        {actions && <div class="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** Right-aligned numbers. */
export const Num = ({ children }: { children: ComponentChildren }) => <td class="num">{children}</td>;

export function RefreshButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick}>
      Refresh
    </button>
  );
}

/** A page about one thing: the way back to its list, its name, and why it could not be loaded, if so. */
export function DetailHeading({ parent, parentHref, name, error, loading }: { parent: string; parentHref: string; name: string; error: unknown; loading: string | false }) {
  return (
    <>
      <p class="crumbs">
        <a href={parentHref}>{parent}</a> /
      </p>
      <h1 tabIndex={-1}>{name}</h1>
      <ErrorBox error={error} what={`Could not load "${name}"`} />
      {loading && !error && <Loading what={loading} />}
    </>
  );
}
