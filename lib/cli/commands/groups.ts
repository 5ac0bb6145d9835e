import { Command, Option } from 'commander';
import type { OffsetResetTarget } from '../../client/api.js';
import { deleteCommand, listCommand } from '../command-kit.js';
import { clientFor } from '../context.js';
import { nonNegativeInt, partitionList, timestamp } from '../options.js';
import { count, printLine, table } from '../output.js';

interface ResetOptions {
  topic: string;
  partition?: number[];
  toEarliest?: boolean;
  toLatest?: boolean;
  toTimestamp?: number;
  toOffset?: number;
}

function resetTarget(opts: ResetOptions): OffsetResetTarget {
  const given = [opts.toEarliest, opts.toLatest, opts.toTimestamp !== undefined, opts.toOffset !== undefined].filter(Boolean).length;
  if (given !== 1) throw new Error('give exactly one of --to-earliest, --to-latest, --to-timestamp <time> or --to-offset <n>');
  if (opts.toEarliest) return { to: 'earliest' };
  if (opts.toLatest) return { to: 'latest' };
  if (opts.toTimestamp !== undefined) return { to: 'timestamp', timestamp: opts.toTimestamp };
  return { to: 'offset', offset: opts.toOffset! };
}

export function groupsCommand(): Command {
  const groups = new Command('groups').description('list, describe, reset and delete consumer groups');

  groups.addCommand(
    listCommand({
      description: 'list consumer groups',
      empty: 'No groups.',
      fetch: (api) => api.listGroups(),
      head: ['Group', 'Live members', 'Leased partitions'],
      row: (g) => [g.group, g.members, g.partitions],
      numeric: [1, 2],
    }),
  );

  groups
    .command('describe <group>')
    .description("show a group's members and, per partition, its owner, committed offset and lag")
    .option('--json', 'print JSON instead of tables')
    .action(async (group: string, opts: { json?: boolean }, cmd: Command) => {
      const d = await clientFor(cmd).runnel.api.describeGroup(group);
      if (opts.json) return printLine(JSON.stringify(d, null, 2));
      const totalLag = d.partitions.reduce((n, p) => n + p.lag, 0);
      printLine(`Group ${d.group}: ${d.state}, ${count(d.members.length, 'live member')}, total lag ${totalLag}`);
      if (d.members.length) {
        printLine(
          table(
            ['Member', 'Client', 'Topics', 'Partitions', 'Expires in'],
            d.members.map((m) => [m.memberId, m.clientId ?? '', m.topics.join(','), m.partitions, `${(m.expiresInMs / 1000).toFixed(1)} s`]),
            [3, 4],
          ),
        );
      }
      const rows = d.partitions.map((p) => [p.topic, p.partition, p.owner ?? '(none)', p.committedOffset, p.highWatermark, p.lag, p.handoff ? `→ ${p.handoff}` : '']);
      printLine(table(['Topic', 'Partition', 'Owner', 'Committed', 'High watermark', 'Lag', 'Handoff'], rows, [1, 3, 4, 5]));
    });

  groups
    .command('reset-offsets <group>')
    .description("move a group's committed offsets (only while it has no live members)")
    .requiredOption('-t, --topic <topic>', 'the topic whose offsets to move')
    .option('-p, --partition <list>', 'only these partitions, e.g. 0,3 (default: all)', partitionList)
    .option('--to-earliest', 'to each partition’s log start')
    .option('--to-latest', 'to each partition’s high watermark (skip everything so far)')
    .addOption(new Option('--to-timestamp <time>', 'to the first record at or after this time (ms or ISO 8601)').argParser(timestamp))
    .addOption(new Option('--to-offset <n>', 'to this exact offset').argParser(nonNegativeInt))
    .action(async (group: string, opts: ResetOptions, cmd: Command) => {
      const target = resetTarget(opts);
      const offsets = await clientFor(cmd).runnel.api.resetGroupOffsets(group, { topic: opts.topic, partitions: opts.partition, ...target });
      printLine(table(['Topic', 'Partition', 'New offset'], offsets.map((o) => [o.topic, o.partition, o.offset]), [1, 2]));
    });

  groups.addCommand(deleteCommand('group', "delete a group's committed offsets (only while it has no live members)", (api, name) => api.deleteGroup(name)));

  return groups;
}
