import { Command } from 'commander';
import type { RunnelApi } from '../client/api.js';
import { clientFor } from './context.js';
import { printLine, table } from './output.js';

/** `<noun>s list`: a table, or JSON with --json. */
export function listCommand<T>(options: {
  description: string;
  empty: string;
  fetch: (api: RunnelApi) => Promise<T[]>;
  head: string[];
  row: (item: T) => Array<string | number>;
  numeric: number[];
  /** A note under the table, for what a column cannot say. */
  footer?: (items: T[]) => string | undefined;
}): Command {
  return new Command('list')
    .alias('ls')
    .description(options.description)
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const items = await options.fetch(clientFor(cmd).runnel.api);
      if (opts.json) return printLine(JSON.stringify(items, null, 2));
      if (items.length === 0) return printLine(options.empty);
      printLine(table(options.head, items.map(options.row), options.numeric));
      const footer = options.footer?.(items);
      if (footer) printLine(footer);
    });
}

/** `<noun>s delete <name>`. */
export function deleteCommand(noun: string, description: string, remove: (api: RunnelApi, name: string) => Promise<void>): Command {
  return new Command('delete')
    .argument(`<${noun}>`)
    .alias('rm')
    .description(description)
    .action(async (name: string, _opts: object, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      await remove(runnel.api, name);
      if (!options.quiet) printLine(`Deleted ${noun} ${name}.`);
    });
}
