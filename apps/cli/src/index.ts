export { buildProgram, runCli } from './program.js';
export { UserError } from './errors.js';
