#!/usr/bin/env node
import { buildProgram } from './program.js';
import { describeFsError, isUserFacing } from './errors.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    const fsMessage = describeFsError(e);
    if (isUserFacing(e) || fsMessage) {
      console.error(`sgdiff: ${fsMessage ?? (e as Error).message}`);
      process.exitCode = (e as { exitCode?: number }).exitCode ?? 1;
    } else {
      // A bug, not a user mistake: keep the stack.
      console.error(e);
      process.exitCode = 70;
    }
  });
