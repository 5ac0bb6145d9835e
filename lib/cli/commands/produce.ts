import { Command, Option } from 'commander';
import { createInterface } from 'node:readline';
import type { BodyFormat, Message } from '../../client/message.js';
import type { RecordMetadata } from '../../client/producer.js';
import { clientFor } from '../context.js';
import { parseLine, type InputFormat } from '../input.js';
import { nonNegativeInt } from '../options.js';
import { count, Progress } from '../output.js';

/** Lines handed to the producer per send; the producer batches across sends anyway. */
const CHUNK = 500;
/** Sends outstanding at once before reading more of stdin. */
const MAX_PENDING_SENDS = 16;

interface ProduceOptions {
  format: InputFormat;
  separator: string;
  jsonValues?: boolean;
  partition?: number;
  linger: number;
  bodyFormat: BodyFormat;
}

export function produceCommand(): Command {
  return new Command('produce')
    .argument('<topic>')
    .description('produce stdin lines as records, through the batching, idempotent producer')
    .addOption(new Option('-f, --format <format>', 'json: each line a record {"key","value","headers","partition","timestamp"}; kv: key<TAB>value').choices(['json', 'kv']).default('json'))
    .option('-s, --separator <text>', 'between key and value in kv lines', '\t')
    .option('--json-values', 'in kv lines, read the value as JSON instead of a string')
    .option('-p, --partition <n>', 'send every record to this partition', nonNegativeInt)
    .option('--linger <ms>', 'how long the producer waits to fill a batch at first; under a steady stream the wait grows up to 100 ms (the client\'s maxLingerMs)', nonNegativeInt, 10)
    .addOption(new Option('--body-format <format>', 'the produce requests\' body: cbor, or json for a proxy that passes only JSON').choices(['cbor', 'json']).default('cbor'))
    .addHelpText('after', '\nExamples:\n  printf \'k1\\thello\\nk2\\tworld\\n\' | runnel produce orders -f kv\n  echo \'{"key":"o-1","value":{"total":42}}\' | runnel produce orders')
    .action(async (topic: string, opts: ProduceOptions, cmd: Command) => {
      const { runnel, options } = clientFor(cmd);
      const producer = runnel.producer({ lingerMs: opts.linger, bodyFormat: opts.bodyFormat });
      const progress = new Progress(options.quiet);
      const chunkSize = process.stdin.isTTY ? 1 : CHUNK;
      const pending = new Set<Promise<unknown>>();
      let produced = 0;
      let failure: unknown;
      let chunk: Message[] = [];

      const sendChunk = () => {
        const messages = chunk;
        chunk = [];
        const sent = producer.send({ topic, messages }).then(
          (meta: RecordMetadata[]) => {
            produced += meta.reduce((n, m) => n + m.offsets.length, 0);
            progress.update((s) => `produced ${produced} records (${Math.round(produced / Math.max(s, 0.001))}/s)`);
          },
          (error: unknown) => void (failure ??= error),
        );
        pending.add(sent);
        void sent.then(() => pending.delete(sent));
      };

      let lineNumber = 0;
      try {
        for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
          const message = parseLine(line, ++lineNumber, { format: opts.format, separator: opts.separator, jsonValues: opts.jsonValues ?? false });
          if (!message) continue;
          if (opts.partition !== undefined) message.partition = opts.partition;
          chunk.push(message);
          if (chunk.length >= chunkSize) sendChunk();
          while (pending.size >= MAX_PENDING_SENDS) await Promise.race(pending);
          if (failure) break;
        }
      } catch (error) {
        failure ??= error;
      }
      // Every good line before a bad one is produced, so a rerun can start after the line named in the error.
      if (chunk.length) sendChunk();
      await producer.disconnect();
      await Promise.all(pending);
      if (failure) {
        if (produced > 0) progress.done(`Produced ${count(produced, 'record')} to ${topic} before the error.`);
        throw failure;
      }
      progress.done(`Produced ${count(produced, 'record')} to ${topic} in ${progress.elapsedSeconds.toFixed(1)} s.`);
    });
}
