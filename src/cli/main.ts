#!/usr/bin/env node
/**
 * The train-spam command line. This entry point and `cli.ts` are the only modules that set the process
 * exit code; every command module registers itself on the commander program and returns an exit code.
 */
import { runCli } from './cli.js';
import { formatError } from './exit-codes.js';

// A reader that goes away (`train-spam run | head`) must not crash the run with an unhandled EPIPE
// and leave its tracking run RUNNING: output to a closed pipe is dropped and the run goes on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(formatError(e) + '\n');
    process.exitCode = 1;
  },
);
