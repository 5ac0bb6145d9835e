import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { consoleCommand } from './commands/console.js';
import { consumeCommand } from './commands/consume.js';
import { groupsCommand } from './commands/groups.js';
import { produceCommand } from './commands/produce.js';
import { subscriptionsCommand } from './commands/subscriptions.js';
import { topicsCommand } from './commands/topics.js';
import { DEFAULT_URL } from './context.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `runnel` command tree; global options may come before or after a command. */
export function buildProgram(): Command {
  return new Command('runnel')
    .description('Runnel: serverless event streaming with Kafka semantics — topics, produce, consume, consumer groups')
    .version(version)
    .addOption(new Option('--url <url>', 'Runnel endpoint (`npm run dev` listens on the default)').env('RUNNEL_URL').default(DEFAULT_URL))
    .addOption(new Option('--sigv4', 'sign requests with SigV4 for API Gateway IAM auth (AWS default credential chain; needs the optional peers: see README "Install")').env('RUNNEL_SIGV4'))
    .addOption(new Option('--region <region>', 'region to sign for (default: from an execute-api URL, or AWS_REGION)'))
    .option('--profile <name>', 'AWS profile to sign with (implies --sigv4)')
    .option('-q, --quiet', 'no summaries or progress on stderr')
    .enablePositionalOptions(false)
    .showSuggestionAfterError()
    .addCommand(topicsCommand())
    .addCommand(produceCommand())
    .addCommand(consumeCommand())
    .addCommand(groupsCommand())
    .addCommand(subscriptionsCommand())
    .addCommand(consoleCommand())
    .addHelpText('after', '\nEach command has --help, e.g. `runnel consume --help`. This is the bin of the npm package runnel-streams.');
}
