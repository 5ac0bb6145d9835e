import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Runnel } from '../../lib/client/index.js';
import { bytes } from '../../lib/console/format.js';
import { bundleConsole } from '../../lib/local/console-bundle.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../lib/local/embedded.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The console in a real browser: Debian's Chromium, driven by playwright-core, against the stack
 * `npm run dev` runs (the console mounted at /console). `.ci/run` installs Chromium; without it this
 * test fails under CI=true and is skipped, saying why, elsewhere.
 *
 * The screenshots go to a scratch directory; `UPDATE_SCREENSHOTS=1 npx vitest run test/browser`
 * writes them over docs/images/console-*.png, which docs/console.md and the README show.
 */

function findChromium(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const chromiumPath = findChromium();
if (!chromiumPath && process.env.CI === 'true') {
  throw new Error('the console browser test needs Chromium: apt-get install -y chromium (.ci/run does this when it is missing)');
}
if (!chromiumPath) console.warn('test/browser/console.test.ts skipped: no `chromium` on PATH (apt-get install -y chromium)');

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/images') : mkdtempSync(join(tmpdir(), 'runnel-console-shots-'));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe.skipIf(!chromiumPath)('the web console in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'runnel-console-'));
  let stack: EmbeddedStack;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let runnel: Runnel;
  const launched = { startedAt: 0, ms: 0 };

  beforeAll(async () => {
    const [assets, started, hook] = await Promise.all([
      bundleConsole(),
      (async () => {
        const t = performance.now();
        const b = await chromium.launch({ executablePath: chromiumPath! });
        launched.ms = performance.now() - t;
        return b;
      })(),
      startWebhookReceiver(SECRET, () => ({ status: 503, body: 'the mail service is down' })),
    ]);
    browser = started;
    receiver = hook;
    stack = await startEmbeddedStack({ dataDir, port: 0, consoleAssets: assets, maintenanceIntervalMs: 3_600_000 });
    runnel = new Runnel({ url: stack.url });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (process.env.UPDATE_SCREENSHOTS !== '1') rmSync(SCREENSHOTS, { recursive: true, force: true });
  });

  /** A page that fails the test on any script error, and records every URL it asks for. */
  async function openPage(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ page: Page; requested: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const requested: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, requested, errors };
  }

  async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
    const path = join(SCREENSHOTS, `console-${name}.png`);
    await page.screenshot({ path, ...options });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  }

  /** Waits until the page's background is `color`: the theme is applied after the render that picks it. */
  // Functions that run in the page reach its globals through `globalThis as any`: this file is type-checked
  // for Node, without the DOM's types, and they are sent as source, so they cannot call helpers from here.
  // (Strings would need eval, which the console's Content-Security-Policy refuses.)
  const backgroundBecomes = (page: Page, color: string) =>
    page.waitForFunction((c) => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor === c, color);
  const DARK = 'rgb(15, 19, 24)';
  const LIGHT = 'rgb(247, 248, 250)';

  it('creates a topic, produces, tails, watches a group catch up, and pauses a subscription', async () => {
    const startedAt = performance.now();
    // How long each step took, printed at the end (and on a failure, the step it stopped in).
    const steps: string[] = [];
    let stepStart = startedAt;
    const step = (name: string) => {
      const now = performance.now();
      steps.push(`${name} ${((now - stepStart) / 1000).toFixed(1)} s`);
      stepStart = now;
    };
    const { page, requested, errors } = await openPage();
    onTestFailed(() => console.log(`console browser flow failed after: ${steps.join(', ') || 'nothing'}`));
    await page.goto(`${stack.url}/console`);

    // 1. Create a topic in the UI; a second create with the same name shows the API's own message.
    await page.getByLabel('Name').fill('orders');
    await page.getByLabel('Partitions').fill('2');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('heading', { level: 1, name: 'orders' }).waitFor();
    expect(await runnel.admin().listTopics()).toContain('orders');
    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByLabel('Name').fill('orders');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('alert').filter({ hasText: 'topic "orders" already exists' }).waitFor();
    await page.getByRole('link', { name: 'orders' }).click();

    step('create a topic');
    // 2. Produce a record with a key and a header; then one whose value is bytes.
    const produce = page.getByRole('form', { name: 'Produce a record' });
    await produce.getByLabel('Key', { exact: true }).fill('customer-1');
    await produce.getByLabel('Value', { exact: true }).fill('{"item": "book", "qty": 1}');
    await produce.getByLabel('Headers').fill('source: console');
    await produce.getByRole('button', { name: 'Produce' }).click();
    await produce.getByRole('status').filter({ hasText: /Produced to partition \d at offset 0/ }).waitFor();
    await produce.getByLabel('Value', { exact: true }).fill('not json');
    await produce.getByRole('button', { name: 'Produce' }).click();
    await produce.getByRole('alert').filter({ hasText: 'the value is not JSON' }).waitFor();
    await produce.getByLabel('Key', { exact: true }).fill('device-7');
    await produce.getByLabel('Value is').selectOption('base64');
    await produce.getByLabel('Value', { exact: true }).fill('3q2+7w==');
    await produce.getByLabel('Headers').fill('');
    await produce.getByRole('button', { name: 'Produce' }).click();
    await produce.getByRole('status').filter({ hasText: 'Produced to partition' }).waitFor();

    step('produce');
    // 3. Both show up in the tail; the first in full, as pretty JSON with its header; the bytes as base64.
    const list = page.getByRole('listbox');
    await list.getByRole('option').filter({ hasText: 'customer-1' }).click();
    const detail = page.locator('.record-detail');
    await detail.locator('pre').filter({ hasText: '"item": "book",\n  "qty": 1' }).waitFor();
    await detail.getByRole('row', { name: 'source console' }).waitFor();
    await list.getByRole('option').filter({ hasText: 'device-7' }).click();
    await detail.getByText('base64, 4 bytes').waitFor();
    await detail.locator('pre').filter({ hasText: '3q2+7w==' }).waitFor();
    // The keyboard moves through the list too.
    await list.press('Home');
    await detail.getByText('customer-1').waitFor();

    // Records produced elsewhere arrive while tailing; the key filter narrows the list; pause stops reading.
    const producer = runnel.producer();
    await producer.send({ topic: 'orders', messages: Array.from({ length: 40 }, (_, i) => ({ key: `customer-${i % 4}`, value: { order: i } })) });
    await page.getByRole('status').filter({ hasText: '42 shown' }).waitFor();
    await page.getByLabel('Filter by key').fill('customer-3');
    await page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('[role=option]')].every((o: any) => o.textContent.includes('customer-3')));
    expect(await list.getByRole('option').count()).toBe(10);
    await page.getByLabel('Filter by key').fill('');
    await page.getByRole('button', { name: 'Pause tail' }).click();
    await producer.send({ topic: 'orders', messages: [{ key: 'late', value: 'after the pause' }] });
    await page.waitForTimeout(1000);
    expect(await list.getByRole('option').filter({ hasText: 'late' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume tail' }).click();
    await list.getByRole('option').filter({ hasText: 'after the pause' }).waitFor();
    // Jump to an offset: partition 0 from its offset 2 on.
    await page.locator('select[name=jump-partition]').selectOption('0');
    await page.getByLabel('Offset').fill('2');
    await page.getByRole('button', { name: 'Go to offset' }).click();
    await page.waitForFunction(() => {
      const rows: any[] = [...(globalThis as any).document.querySelectorAll('[role=option]')];
      return rows.length > 0 && rows.every((o) => o.querySelector('.partition').textContent === 'p0') && rows[0].querySelector('.offset').textContent === '2';
    });
    await page.getByRole('button', { name: 'Latest' }).click();
    await producer.send({ topic: 'orders', messages: [{ key: 'customer-1', value: { item: 'lamp', qty: 2 } }] });
    await list.getByRole('option').filter({ hasText: 'lamp' }).waitFor();
    await page.getByRole('button', { name: 'Earliest' }).click();
    await list.getByRole('option').filter({ hasText: 'lamp' }).waitFor();
    await list.getByRole('option').filter({ hasText: 'book' }).click();
    await screenshot(page, 'topic-light', { fullPage: true });

    step('tail, filter, pause, jump');
    // 4. A consumer group, with the client library: it joins, holds its first record until let go, then catches up.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Commits every second (5 by default), so that the lag reaches zero soon after the member catches up.
    const consumer = runnel.consumer({ groupId: 'billing', clientId: 'billing-worker', sessionTimeout: 10_000, heartbeatInterval: 1_000, autoCommitInterval: 1_000 });
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
    await consumer.run({ eachMessage: () => released });
    try {
      await page.getByRole('link', { name: 'Groups' }).click();
      await page.getByRole('link', { name: 'billing' }).click();
      const lag = page.getByTestId('group-total-lag');
      await page.waitForFunction(() => Number((globalThis as any).document.querySelector('[data-testid=group-total-lag]')?.textContent) > 0);
      await page.getByRole('cell', { name: 'billing-worker', exact: true }).waitFor();
      release();
      await lag.filter({ hasText: /^0$/ }).waitFor();
      // The chart drew the fall: one line, sampled while the page was open.
      expect(await page.locator('.chart canvas').count()).toBe(1);
      await page.waitForTimeout(2500); // one more sample, so the line ends at zero in the screenshot
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await backgroundBecomes(page, DARK);
      await screenshot(page, 'group-dark');
      await page.getByRole('button', { name: 'Light theme' }).click();
      await backgroundBecomes(page, LIGHT);
      await screenshot(page, 'group-light');
    } finally {
      release(); // else disconnecting would wait for the held record forever
      await consumer.disconnect();
    }

    step('group lag to zero');
    // 5. A push subscription whose webhook fails: its error and lag show, and Pause pauses it.
    await runnel.admin().createSubscription({ name: 'email', topic: 'orders', startPosition: 'earliest', target: { type: 'webhook', url: receiver.url, secret: SECRET } });
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    const row = page.locator('tr[data-subscription=email]');
    await row.getByText('the mail service is down').waitFor();
    await row.getByRole('button', { name: 'Pause email' }).click();
    await row.getByTestId('subscription-state').filter({ hasText: 'paused' }).waitFor();
    expect((await runnel.admin().describeSubscription('email')).state).toBe('paused');
    await screenshot(page, 'subscriptions-light');

    step('pause a subscription');
    // No script error, and nothing asked of any other origin: no CDN, no fetch from the internet.
    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${stack.url}/`) && !url.startsWith('data:'))).toEqual([]);
    console.log(`console browser flow: ${((performance.now() - startedAt) / 1000).toFixed(1)} s (${steps.join(', ')}), after a ${launched.ms.toFixed(0)} ms browser launch`);
  });

  it('follows the system theme until the toggle picks one, and shows the topic page dark', async () => {
    const { page, errors } = await openPage({ colorScheme: 'dark' });
    await page.goto(`${stack.url}/console/#/topics/orders`);
    await page.getByRole('listbox').getByRole('option').first().waitFor();
    await backgroundBecomes(page, DARK);
    await page.getByRole('button', { name: 'Earliest' }).click();
    await page.getByRole('listbox').getByRole('option').filter({ hasText: 'book' }).click();
    await screenshot(page, 'topic-dark', { fullPage: true });
    await page.getByRole('button', { name: 'Light theme' }).click();
    await backgroundBecomes(page, LIGHT);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'orders' }).waitFor();
    await backgroundBecomes(page, LIGHT);
    // Sizes as the API reports them, human-readable: per partition on the topic page, in all on Topics.
    const described = (await (await fetch(`${stack.url}/v1/topics/orders`)).json()) as { bytes: number; partitionStates: Array<{ partition: number; bytes: number }> };
    expect(described.bytes).toBeGreaterThan(0);
    const partitions = page.locator('table').filter({ has: page.getByRole('columnheader', { name: 'Log start offset' }) });
    expect(await partitions.locator('tbody tr').evaluateAll((rows) => rows.map((r: any) => [r.cells[0].textContent, r.cells[r.cells.length - 1].textContent]))).toEqual(
      described.partitionStates.map((p) => [String(p.partition), bytes(p.bytes)]),
    );
    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByRole('row').filter({ hasText: 'orders' }).getByRole('cell', { name: bytes(described.bytes), exact: true }).waitFor();
    expect(errors).toEqual([]);
  });

  it('shows an API error as its message, never a blank page', async () => {
    const { page } = await openPage();
    await page.goto(`${stack.url}/console/#/topics/no-such-topic`);
    await page.getByRole('alert').filter({ hasText: 'topic "no-such-topic" does not exist' }).waitFor();
    await page.goto(`${stack.url}/console/#/groups/nobody`);
    await page.getByRole('heading', { level: 1, name: 'nobody' }).waitFor();
  });
});
