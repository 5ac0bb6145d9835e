import { Command } from 'commander';
import { deleteCommand, listCommand } from '../command-kit.js';
import { clientFor } from '../context.js';
import { keyValue, positiveInt } from '../options.js';
import { count, printLine, table } from '../output.js';
import { addTopicAlterCommands } from './topic-alter.js';

export function topicsCommand(): Command {
  const topics = new Command('topics').description('create, list, describe and delete topics');

  topics
    .command('create <topic>')
    .description('create a topic')
    .option('-p, --partitions <n>', 'number of partitions', positiveInt, 1)
    .option('-c, --config <name=value>', 'a topic config, e.g. retention.ms=86400000 (repeatable)', keyValue, {})
    .action(async (name: string, opts: { partitions: number; config: Record<string, string> }, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      const topic = await runnel.api.createTopic({ name, partitions: opts.partitions, config: opts.config });
      if (!options.quiet) printLine(`Created topic ${topic.name} with ${count(topic.partitions, 'partition')}.`);
    });

  topics.addCommand(
    listCommand({
      description: 'list topics',
      empty: 'No topics.',
      fetch: (api) => api.listTopics(),
      head: ['Topic', 'Partitions', 'Created'],
      row: (t) => [t.name, t.partitions, t.createdAt],
      numeric: [1],
    }),
  );

  topics
    .command('describe <topic>')
    .description("show a topic's config and each partition's offsets and retained bytes")
    .option('--json', 'print JSON instead of tables')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const d = await clientFor(cmd).runnel.api.describeTopic(name);
      if (opts.json) return printLine(JSON.stringify(d, null, 2));
      printLine(`Topic ${d.name}: ${count(d.partitions, 'partition')}, created ${d.createdAt}`);
      printLine(table(['Config', 'Value'], Object.entries(d.config)));
      const rows = d.partitionStates.map((p) => [p.partition, p.logStartOffset, p.highWatermark, p.highWatermark - p.logStartOffset, p.bytes]);
      const total = d.partitionStates.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0);
      printLine(table(['Partition', 'Log start', 'High watermark', 'Records', 'Bytes'], [...rows, ['total', '', '', total, d.bytes]], [0, 1, 2, 3, 4]));
    });

  addTopicAlterCommands(topics);

  topics.addCommand(deleteCommand('topic', 'delete a topic; its data is purged in the background', (api, name) => api.deleteTopic(name)));

  return topics;
}
