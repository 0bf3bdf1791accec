import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { describeFsError, isUserFacing, terminalSafe } from './errors.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('sgdiff')
    .description('SGDiff: scene graph to image generation (data, training, sampling, evaluation)')
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program);
  return program;
}

/**
 * Runs the CLI and returns its exit code. User mistakes print one line, `sgdiff: <message>`,
 * with no stack trace; anything else is a bug and keeps its stack (exit 70, EX_SOFTWARE).
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed why
    const fsMessage = describeFsError(e);
    if (isUserFacing(e) || fsMessage) {
      console.error(`sgdiff: ${terminalSafe(fsMessage ?? (e as Error).message)}`);
      return (e as { exitCode?: number }).exitCode ?? 1;
    }
    console.error(e);
    return 70;
  } finally {
    process.exitCode = undefined;
  }
}
