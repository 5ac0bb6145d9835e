#!/usr/bin/env node
import type { Command } from 'commander';
import { errorLine } from './output.js';
import { buildProgram } from './program.js';

const program = buildProgram();
// Usage errors and failures alike end as one line on stderr and a non-zero exit. Subcommands added
// with addCommand do not inherit output settings, hence the walk.
const configure = (command: Command): void => {
  command.configureOutput({ outputError: (text, write) => write(`runnel: ${text.replace(/^error: /, '')}`) });
  command.commands.forEach(configure);
};
configure(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`${errorLine(error)}\n`);
  process.exitCode = 1;
}
