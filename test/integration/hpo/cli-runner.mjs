// Runs `train-spam hpo ...` from the compiled command module, as src/cli/program.ts wires it.
import { Command } from 'commander';
import { registerHpoCommands } from '../../../dist/cli/commands/hpo.js';

const program = new Command('train-spam').exitOverride();
registerHpoCommands(program);
program.parseAsync(process.argv).then(
  () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
  (e) => {
    process.stderr.write(`error [${e.code}]: ${e.message}\n`);
    process.exit(1);
  },
);
