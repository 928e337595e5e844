/** dmctl entry point: parse, run one command, exit with its code. */

import { printError } from '../ctl/output.js';
import { buildProgram } from '../ctl/program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => printError(err));
