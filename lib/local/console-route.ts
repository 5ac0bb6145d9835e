import type { Hono } from 'hono';
import { CONSOLE_PATH, consoleFileAt, type ConsoleAssets } from '../cli/console-assets.js';
import { errorBody } from '../http/errors.js';

/** Serves the web console's files at /console/ on the dev server's app, beside the API it calls. */
export function mountConsole(app: Hono, assets: ConsoleAssets): void {
  // Without its slash the page's relative links would resolve from the root.
  app.get(CONSOLE_PATH, (c) => c.redirect(`${CONSOLE_PATH}/`));
  app.get(`${CONSOLE_PATH}/*`, (c) => {
    const file = consoleFileAt(assets, c.req.path);
    // The files are never views of a SharedArrayBuffer; Hono's types want that said.
    return file ? c.body(file.body as Uint8Array<ArrayBuffer>, 200, file.headers) : c.json(errorBody('not_found', `no page at ${c.req.path}; the console is at ${CONSOLE_PATH}/`), 404);
  });
}
