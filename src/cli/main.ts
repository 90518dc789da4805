#!/usr/bin/env node
/**
 * The train-spam command line. The only module that touches `process` (argv, env, exit codes);
 * every command module registers itself on the commander program and returns an exit code.
 */
import { Command, CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { exitCodeFor, formatError } from './exit-codes.js';

async function main(argv: string[]): Promise<number> {
  const program: Command = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help / version are not errors
      return e.exitCode === 0 ? 0 : 1;
    }
    process.stderr.write(formatError(e) + '\n');
    return exitCodeFor(e);
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(formatError(e) + '\n');
    process.exitCode = 1;
  },
);
