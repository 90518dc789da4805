#!/usr/bin/env node
/**
 * The train-spam command line. This entry point and `cli.ts` are the only modules that set the process
 * exit code; every command module registers itself on the commander program and returns an exit code.
 */
import { runCli } from './cli.js';
import { formatError } from './exit-codes.js';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(formatError(e) + '\n');
    process.exitCode = 1;
  },
);
