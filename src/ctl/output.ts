/**
 * dmctl output: JSON exactly as DM prints it (4-space indent), exit code 0 iff `result` is
 * true. Errors before reaching a master are printed the same way.
 */
import { asDmError, E } from '../pkg/errors/index.js';

export function printJson(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj, null, 4)}\n`);
}

/** Print a DM reply and set the exit code from its `result`. */
export function printReply(reply: { result?: boolean }): void {
  printJson(reply);
  process.exitCode = reply.result === true ? 0 : 1;
}

/** Print `{result:false,msg}` for an error and set exit code 1. */
export function printError(err: unknown): void {
  printJson({ result: false, msg: asDmError(err, E.ctlInvalidArgs).toString() });
  process.exitCode = 1;
}
