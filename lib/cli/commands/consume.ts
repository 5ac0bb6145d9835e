import { Command, Option } from 'commander';
import type { Runnel } from '../../client/index.js';
import { clientFor } from '../context.js';
import { offsetSpec, partitionList, positiveInt, timestamp, type OffsetSpec } from '../options.js';
import { count, Progress, writeOut } from '../output.js';
import { readPartitions } from '../partition-reader.js';
import { fromKafkaMessage, outputFormat, recordPrinter, type OutputFormat, type OutputRecord } from '../record-format.js';

interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: OffsetSpec;
  timestamp?: number;
  partition?: number[];
  group?: string;
  clientId?: string;
  follow?: boolean;
  maxMessages?: number;
  format: OutputFormat;
}

/** Stops the consume loop on Ctrl-C, on --max-messages, or when stdout's reader has gone (`| head`). */
function stopSignal(): AbortController {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stop.abort();
  });
  return stop;
}

export function consumeCommand(): Command {
  return new Command('consume')
    .argument('<topic>')
    .description('print records of a topic, with or without a consumer group')
    .option('-b, --from-beginning', 'start at the earliest offset (the default unless --follow)')
    .addOption(
      new Option('-o, --offset <offset>', 'where to start: beginning, end, an offset (with --partition), -<n> (n before each partition\'s end) or s@<time>')
        .argParser(offsetSpec)
        .conflicts(['fromBeginning', 'timestamp', 'group']),
    )
    .addOption(new Option('--timestamp <time>', 'start at the first record at or after this time (ms since the epoch or ISO 8601)').argParser(timestamp).conflicts(['fromBeginning', 'group']))
    .option('-p, --partition <list>', 'only these partitions, e.g. 0,3', partitionList)
    .addOption(new Option('-g, --group <id>', 'consume as a member of this group, from its committed offsets, committing as it goes').conflicts('partition'))
    .option('--client-id <name>', 'with --group: the name `groups describe` shows for this member (default: host and pid)')
    .option('--follow', 'keep waiting for new records (default: stop at the end; Ctrl-C to stop following)')
    .option('-n, --max-messages <n>', 'stop after this many records', positiveInt)
    .addOption(
      new Option('-f, --format <format>', "text: key<TAB>value per line; json: one record object per line; or a kcat format string such as '%t %p %o %k %s\\n'")
        .argParser(outputFormat)
        .default('text'),
    )
    .addHelpText(
      'after',
      '\nFormat string fields (as kcat): %t topic, %p partition, %o offset, %T timestamp (ms), %k key, %s value,\n%K and %S their lengths in bytes (-1 for null), %R the value length as 4 binary bytes, %h headers\n(name=value,...), %% a percent sign; escapes \\n \\t \\r \\\\ \\xHH. Nothing is added after a record.\n\nWithout --group, where to start is --from-beginning (default without --follow), --offset, --timestamp,\nor the end (default with --follow). With --group, each partition starts at the group\'s committed\noffset, or (never committed) at the beginning, or at the end with --follow and no --from-beginning.',
    )
    .action(async (topic: string, opts: ConsumeOptions, cmd: Command) => {
      if (opts.offset?.from === 'offset' && !opts.partition) throw new Error('an absolute --offset needs --partition: offsets differ from partition to partition');
      const print = recordPrinter(opts.format);
      const { runnel, options } = clientFor(cmd);
      const stop = stopSignal();
      const progress = new Progress(options.quiet || opts.follow);
      let consumed = 0;
      const emit = async (r: OutputRecord): Promise<boolean> => {
        if (stop.signal.aborted) return false;
        // Counted before the write: handlers of several partitions emit at once, and only --max-messages may pass.
        consumed++;
        if (opts.maxMessages !== undefined && consumed >= opts.maxMessages) stop.abort();
        await writeOut(print(r));
        progress.update(() => `consumed ${consumed} records`);
        return true;
      };
      if (opts.group) await consumeInGroup({ runnel, topic, group: opts.group, opts, emit, stop });
      else {
        const start: OffsetSpec =
          opts.offset !== undefined
            ? opts.offset
            : opts.timestamp !== undefined
              ? { from: 'timestamp', timestamp: opts.timestamp }
              : { from: opts.fromBeginning || !opts.follow ? 'earliest' : 'latest' };
        await readPartitions(runnel.api, { topic, partitions: opts.partition, start, follow: opts.follow ?? false, signal: stop.signal }, (r) =>
          emit({ ...r, topic }).then(() => {}),
        );
      }
      progress.done(`Consumed ${count(consumed, 'record')} from ${topic}${opts.group ? ` as group ${opts.group}` : ''}.`);
    });
}

/**
 * As a group member: records are committed only once printed. Without --follow it stops once every
 * partition it holds is read up to the high watermark that partition had at the start.
 */
async function consumeInGroup(
  {
    runnel,
    topic,
    group,
    opts,
    emit,
    stop,
  }: { runnel: Runnel; topic: string; group: string; opts: ConsumeOptions; emit: (r: OutputRecord) => Promise<boolean>; stop: AbortController },
): Promise<void> {
  const fromBeginning = opts.fromBeginning || !opts.follow;
  const start = await runnel.api.describeTopic(topic);
  const end = start.partitionStates.map((p) => p.highWatermark);
  const next = new Map<number, number>();
  const consumer = runnel.consumer({ groupId: group, maxWaitTimeInMs: opts.follow ? 5_000 : 500, ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }) });
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, pause }) => {
      for (const m of batch.messages) {
        if (!opts.follow && Number(m.offset) >= end[batch.partition]!) break;
        if (!(await emit(fromKafkaMessage(topic, batch.partition, m)))) return;
        resolveOffset(m.offset);
        next.set(batch.partition, Number(m.offset) + 1);
      }
      // Caught up: stop fetching this partition while the others finish.
      if (!opts.follow && (next.get(batch.partition) ?? 0) >= end[batch.partition]!) pause();
    },
  });
  try {
    while (!stop.signal.aborted) {
      if (!opts.follow && (await caughtUp({ runnel, group, topic, assigned: consumer.assignment(), next, end, initial: fromBeginning ? start.partitionStates.map((p) => p.logStartOffset) : end }))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    // Commits what was printed and hands the partitions back at once.
    await consumer.disconnect();
  }
}

async function caughtUp(
  {
    runnel,
    group,
    topic,
    assigned,
    next,
    end,
    initial,
  }: { runnel: Runnel; group: string; topic: string; assigned: Array<{ topic: string; partition: number }>; next: Map<number, number>; end: number[]; initial: number[] },
): Promise<boolean> {
  const waiting = assigned.filter((a) => a.topic === topic).filter((a) => (next.get(a.partition) ?? -1) < end[a.partition]!);
  if (waiting.length === 0) return true;
  const committed = new Map((await runnel.api.describeGroup(group)).partitions.filter((p) => p.topic === topic).map((p) => [p.partition, p.committedOffset]));
  return waiting.every((a) => (committed.get(a.partition) ?? initial[a.partition]!) >= end[a.partition]!);
}
