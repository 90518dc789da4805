/**
 * Parses argv with the train-spam program and returns the process exit code (0 ok, 1 error,
 * 2 gates failed, 64 usage, 130 interrupted). Separate from main.ts so tests can call it.
 */
import { Command, CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, exitCodeFor, formatError } from './exit-codes.js';

/**
 * Commander exits the process itself unless every (sub)command has an exit override; the override
 * set on the root is not inherited by commands registered before it, so set it on all of them.
 */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}

export async function runCli(argv: string[]): Promise<number> {
  const program: Command = buildProgram();
  overrideExits(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help / version are not errors; everything else commander rejects is a usage error
      return e.exitCode === 0 ? 0 : EXIT.USAGE;
    }
    process.stderr.write(formatError(e) + '\n');
    return exitCodeFor(e);
  }
}
