#!/usr/bin/env node
/**
 * The train-spam command line. This entry point and `cli.ts` are the only modules that set the process
 * exit code; every command module registers itself on the commander program and returns an exit code.
 */
import { requirePackage } from '../exec/require-package.js';
import { setTfPackageLoader } from '../models/mlp/backend.js';
import { runCli } from './cli.js';
import { formatError } from './exit-codes.js';

// In-process MLP fits (a refit without worker threads) load TensorFlow.js as the trial threads do.
setTfPackageLoader(requirePackage);

// A reader that goes away (`train-spam run | head`) must not crash the run with an unhandled EPIPE
// and leave its tracking run RUNNING: output to a closed pipe is dropped and the run goes on.
// Any other write failure (stdout redirected to a full disk: ENOSPC) is not a crash either: one
// line says so, the output is dropped, and a command that would have succeeded exits 1.
let writeFailure: NodeJS.ErrnoException | null = null;
for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || writeFailure) return;
    writeFailure = e;
    if (stream !== process.stderr) process.stderr.write(`train-spam: error [IO_ERROR]: cannot write to ${name}: ${e.code ?? e.message}; its output is lost\n`);
  });
}

// checked at exit: a failed write reports its error on a later tick than the command's end
process.on('exit', () => {
  if (writeFailure && (process.exitCode ?? 0) === 0) process.exitCode = 1;
});

// A command whose promise never settles, with nothing left for the event loop to do, would let the
// process exit 0 as if it had succeeded: it exits 1 with a line that says so instead.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  process.stderr.write('train-spam: error [INTERNAL]: the command stopped before it finished (nothing left to wait for); its work is incomplete\n');
  process.exitCode = 1;
});

runCli(process.argv).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (e) => {
    settled = true;
    process.stderr.write(formatError(e) + '\n');
    process.exitCode = 1;
  },
);
