import { Command, Option } from 'commander';
import type { OffsetResetTarget } from '../../contract/groups.js';
import { deleteCommand, listCommand } from '../command-kit.js';
import { clientFor } from '../context.js';
import { nonNegativeInt, partitionList, timestamp } from '../options.js';
import { count, printLine, table } from '../output.js';
import { planReset } from '../reset-plan.js';

interface ResetOptions {
  topic: string;
  partition?: number[];
  toEarliest?: boolean;
  toLatest?: boolean;
  toTimestamp?: number;
  toOffset?: number;
  execute?: boolean;
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
      head: ['Group', 'Live members', 'Partitions'],
      row: (g) => [g.group, g.members, g.partitions],
      numeric: [1, 2],
      footer: (groups) => {
        const idle = groups.filter((g) => g.members === 0).map((g) => g.group);
        if (!idle.length) return undefined;
        return `Partitions: those the group holds a lease or a committed offset for. ${idle.join(', ')} ${idle.length === 1 ? 'has' : 'have'} no live member, so nobody holds those leases: only the committed offsets remain, where the next member starts.`;
      },
    }),
  );

  groups
    .command('describe <group>')
    .description("show a group's members and, per partition, its owner, committed offset and lag")
    .option('--json', 'print JSON instead of tables')
    .action(async (group: string, opts: { json?: boolean }, cmd: Command) => {
      const d = await clientFor(cmd).runnel.api.describeGroup(group);
      if (opts.json) return printLine(JSON.stringify(d, null, 2));
      const totalLag = d.partitions.reduce((n, p) => n + (p.lag ?? 0), 0);
      printLine(`Group ${d.group}: ${d.state}, ${count(d.members.length, 'live member')}, total lag ${totalLag}`);
      if (d.members.length) {
        printLine(
          table(
            ['Member', 'Client', 'Topics', 'Partitions', 'Expires in'],
            d.members.map((m) => [m.memberId, m.clientId ?? '(none given)', m.topics.join(','), m.partitions, `${(m.expiresInMs / 1000).toFixed(1)} s`]),
            [3, 4],
          ),
        );
      }
      // "none", not 0: a partition never committed starts where the consumer's fromBeginning says, not at 0.
      const rows = d.partitions.map((p) => [p.topic, p.partition, p.owner ?? '(none)', p.committedOffset ?? 'none', p.highWatermark, p.lag, p.handoff ? `→ ${p.handoff}` : '']);
      printLine(table(['Topic', 'Partition', 'Owner', 'Committed', 'High watermark', 'Lag', 'Handoff'], rows, [1, 3, 4, 5]));
    });

  groups
    .command('reset-offsets <group>')
    .description("plan, or with --execute make, a move of a group's committed offsets (only while it has no live members)")
    .requiredOption('-t, --topic <topic>', 'the topic whose offsets to move')
    .option('-p, --partition <list>', 'only these partitions, e.g. 0,3 (default: all)', partitionList)
    .option('--to-earliest', 'to each partition’s log start')
    .option('--to-latest', 'to each partition’s high watermark (skip everything so far)')
    .addOption(new Option('--to-timestamp <time>', 'to the first record at or after this time (ms or ISO 8601)').argParser(timestamp))
    .addOption(new Option('--to-offset <n>', 'to this exact offset').argParser(nonNegativeInt))
    .option('--execute', 'move the offsets (without it, only print the plan, as kafka-consumer-groups does)')
    // Spelled out by kafka-consumer-groups users; the same as giving neither.
    .addOption(new Option('--dry-run', 'only print the plan (the default)').conflicts('execute'))
    .action(async (group: string, opts: ResetOptions, cmd: Command) => {
      const target = resetTarget(opts);
      const { runnel, options } = clientFor(cmd);
      const request = { topic: opts.topic, partitions: opts.partition, ...target };
      const plan = await planReset(runnel.api, group, request);
      const head = ['Topic', 'Partition', 'Current', 'New'];
      const rows = (next: Map<number, number>) => plan.map((p) => [p.topic, p.partition, p.current ?? 'none', next.get(p.partition)!]);
      if (!opts.execute) {
        printLine(table(head, rows(new Map(plan.map((p) => [p.partition, p.next]))), [1, 2, 3]));
        if (!options.quiet) process.stderr.write('Dry run: nothing changed. Add --execute to move these offsets.\n');
        return;
      }
      // The server resolves the target again as it writes: print what it wrote, not the plan.
      const offsets = await runnel.api.resetGroupOffsets(group, request);
      printLine(table(head, rows(new Map(offsets.map((o) => [o.partition, o.offset]))), [1, 2, 3]));
      if (!options.quiet) process.stderr.write(`Moved ${count(offsets.length, 'committed offset')} of group ${group}.\n`);
    });

  groups.addCommand(deleteCommand('group', "delete a group's committed offsets (only while it has no live members)", (api, name) => api.deleteGroup(name)));

  return groups;
}
