import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { GroupPage, GroupsPage } from './groups.js';
import { href, useRoute } from './hooks.js';
import { SubscriptionsPage } from './subscriptions.js';
import { TopicPage } from './topic.js';
import { TopicsPage } from './topics.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

type Theme = 'light' | 'dark';
const THEME_KEY = 'runnel-console-theme';
const systemTheme = (): Theme => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
const savedTheme = (): Theme | undefined => {
  const saved = localStorage.getItem(THEME_KEY);
  return saved === 'light' || saved === 'dark' ? saved : undefined;
};

/** The system's theme until the toggle picks one, which is remembered. */
function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => savedTheme() ?? systemTheme());
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const media = matchMedia('(prefers-color-scheme: dark)');
    const follow = () => savedTheme() ?? setTheme(systemTheme());
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);
  const toggle = () =>
    setTheme((t) => {
      const next = t === 'dark' ? 'light' : 'dark';
      localStorage.setItem(THEME_KEY, next);
      return next;
    });
  return [theme, toggle];
}

const PAGES = [
  { path: 'topics', label: 'Topics' },
  { path: 'groups', label: 'Groups' },
  { path: 'subscriptions', label: 'Subscriptions' },
] as const;

function Page({ route }: { route: string[] }) {
  const [page = 'topics', name] = route;
  if (page === 'topics' && name !== undefined) return <TopicPage name={name} key={name} />;
  if (page === 'groups' && name !== undefined) return <GroupPage name={name} key={name} />;
  if (page === 'groups') return <GroupsPage />;
  if (page === 'subscriptions') return <SubscriptionsPage />;
  if (page === 'topics') return <TopicsPage />;
  return (
    <p role="alert" class="error">
      No page at #{route.join('/')}. <a href={href('topics')}>Topics</a>
    </p>
  );
}

function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const current = route[0] ?? 'topics';
  useEffect(() => {
    document.title = `${route.length ? route.join(' / ') : 'topics'} · Runnel console`;
    // A new page: focus its heading, so keyboard and screen reader users start there.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route.join('/')]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('topics')}>
          Runnel
        </a>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a href={href(p.path)} aria-current={current === p.path ? 'page' : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <button type="button" class="theme" aria-pressed={theme === 'dark'} onClick={toggleTheme} title="Switch between light and dark">
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

document.documentElement.dataset.theme = savedTheme() ?? systemTheme();
render(<App />, document.getElementById('app')!);
