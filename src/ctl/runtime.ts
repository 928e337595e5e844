/**
 * What every dmctl command needs: the master addresses (global `--master-addr`) and a
 * runner that prints the reply or the error and sets the exit code.
 */
import type { Command } from 'commander';
import { dmError, E } from '../pkg/errors/index.js';
import { useClusterTls } from '../pkg/tls/cluster-http.js';
import { type ClusterTls, loadClusterTls } from '../pkg/tls/cluster-tls.js';
import { type CtlReply, callMaster, parseMasterAddrs } from './client.js';
import { printError, printReply } from './output.js';

export type Options = Record<string, unknown>;

/**
 * The master addresses from the global `--master-addr` option. Every command asks for them
 * before talking to a master, so this is also where the `--ssl-*` identity is taken on.
 */
export function masterAddrs(cmd: Command): string[] {
  useClusterTls(ctlTls(cmd));
  const o = cmd.optsWithGlobals<{ masterAddr?: string }>();
  return parseMasterAddrs(o.masterAddr ?? process.env.DM_MASTER_ADDR);
}

/**
 * The global `--ssl-ca/--ssl-cert/--ssl-key` (DM's dmctl flags): with them dmctl speaks HTTPS
 * and presents the client certificate; without them plain HTTP.
 */
export function ctlTls(cmd: Command): ClusterTls | undefined {
  const o = cmd.optsWithGlobals<{ sslCa?: string; sslCert?: string; sslKey?: string }>();
  return loadClusterTls(
    { sslCa: o.sslCa ?? '', sslCert: o.sslCert ?? '', sslKey: o.sslKey ?? '', certAllowedCn: [] },
    'dmctl',
  );
}

/** Send `command` with `body` to the masters and print DM's reply. */
export async function send(cmd: Command, command: string, body: unknown): Promise<CtlReply> {
  const reply = await callMaster(masterAddrs(cmd), command, body);
  printReply(reply);
  return reply;
}

/** Wrap an action so any thrown error prints `{result:false,msg}` with exit code 1. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      printError(err);
    }
  };
}

export function invalidArgs(msg: string): never {
  throw dmError(E.ctlInvalidArgs, msg);
}

/** DM's `-s/--source` (repeatable, comma-separated). */
export function collectSources(value: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}
