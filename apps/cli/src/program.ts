import { Command } from 'commander';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('sgdiff')
    .description('SGDiff: scene graph to image generation (data, training, sampling, evaluation)')
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program);
  return program;
}
