import { Command } from 'commander';
import { TOPIC_CONFIG_DEFAULTS, type TopicConfig } from '../../contract/topics.js';
import { clientFor } from '../context.js';
import { keyValue, positiveInt } from '../options.js';
import { count, printLine, table } from '../output.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `topics alter-config` and `topics describe-config`, with kafka-configs' option names, and `topics add-partitions`. */
export function addTopicAlterCommands(topics: Command): void {
  topics
    .command('add-partitions <topic>')
    .description('raise the number of partitions (only up, as in Kafka); keyed records then map over the new count')
    .requiredOption('-p, --partitions <n>', 'the new number of partitions', positiveInt)
    .action(async (name: string, opts: { partitions: number }, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      const topic = await runnel.api.createPartitions(name, opts.partitions);
      if (!options.quiet) printLine(`Topic ${topic.name} now has ${count(topic.partitions, 'partition')}.`);
    });

  topics
    .command('alter-config <topic>')
    .description("change a topic's configs; those not named keep their values")
    .option('--add-config <name=value>', 'set a config, e.g. retention.ms=3600000 (repeatable)', keyValue, {})
    .option('--delete-config <name>', 'put a config back to its default (repeatable)', collect, [])
    .action(async (name: string, opts: { addConfig: Record<string, string>; deleteConfig: string[] }, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      const change = { ...opts.addConfig, ...Object.fromEntries(opts.deleteConfig.map((c) => [c, null])) };
      if (Object.keys(change).length === 0) throw new Error('give --add-config name=value or --delete-config name');
      const topic = await runnel.api.alterTopicConfig(name, change);
      const shown = Object.keys(change).map((c) => `${c}=${String(topic.config[c as keyof TopicConfig] ?? '')}`);
      if (!options.quiet) printLine(`Altered topic ${topic.name}: ${shown.join(', ')}.`);
    });

  topics
    .command('describe-config <topic>')
    .description("show a topic's configs, and which are defaults")
    .option('--json', 'print the configs as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const { config } = await clientFor(cmd).runnel.api.describeTopic(name);
      if (opts.json) return printLine(JSON.stringify(config, null, 2));
      const rows = (Object.entries(config) as Array<[keyof TopicConfig, unknown]>).map(([c, value]) => [c, String(value), value === TOPIC_CONFIG_DEFAULTS[c] ? 'default' : 'topic']);
      printLine(table(['Config', 'Value', 'Source'], rows));
    });
}
