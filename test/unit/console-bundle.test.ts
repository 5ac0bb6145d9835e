import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONSOLE_FILES } from '../../lib/cli/console-assets.js';
import { bundleConsole } from '../../lib/local/console-bundle.js';

/** The first load's budget (issue 12): everything the page loads, gzipped. */
const FIRST_LOAD_LIMIT = 200 * 1024;

describe('the web console bundle', () => {
  it('is the page, one script and one stylesheet, under 200 KB gzipped on first load', async () => {
    const assets = await bundleConsole();
    expect([...assets.keys()].sort()).toEqual(Object.keys(CONSOLE_FILES).sort());
    const sizes = [...assets].map(([name, body]) => ({ name, raw: body.byteLength, gzipped: gzipSync(body, { level: 9 }).byteLength }));
    const total = sizes.reduce((sum, s) => sum + s.gzipped, 0);
    console.log(`console first load: ${(total / 1024).toFixed(1)} KB gzipped (${sizes.map((s) => `${s.name} ${(s.raw / 1024).toFixed(1)} KB → ${(s.gzipped / 1024).toFixed(1)} KB`).join(', ')})`);
    expect(total).toBeLessThan(FIRST_LOAD_LIMIT);
  });

  it('loads only its own files: the page names the script and stylesheet by relative URL, and nothing else', async () => {
    const html = new TextDecoder().decode((await bundleConsole()).get('index.html'));
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual(['console.css', 'console.js', 'data:,']);
  });
});
