/** Builds the commander program from the command modules. */
import { Command } from 'commander';
import { registerDataCommands } from './commands/data.js';
import { registerKubeflowCommands, registerHpoK8sManifest } from './commands/kubeflow.js';
import { registerRunCommand } from './commands/run.js';
import { registerHpoCommands } from './commands/hpo.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerStepCommand } from './commands/step.js';
import { registerScoreCommand } from './commands/score.js';

export function buildProgram(): Command {
  const program = new Command('train-spam')
    .description('Train, evaluate, gate and promote an e-mail spam detector')
    .version('0.1.0')
    .showHelpAfterError();
  registerRunCommand(program);
  registerStepCommand(program);
  registerDataCommands(program);
  registerKubeflowCommands(program);
  registerScoreCommand(program);
  registerBenchCommand(program);
  const hpo = registerHpoCommands(program);
  registerHpoK8sManifest(hpo);
  return program;
}
