/**
 * What every dmctl command needs: the master addresses and request settings (global
 * `--master-addr`, `--rpc-timeout`, `--ssl-*`, or a `--config` file) and a runner that prints
 * the reply or the error and sets the exit code.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { dmError, E } from '../pkg/errors/index.js';
import { useClusterTls } from '../pkg/tls/cluster-http.js';
import { type ClusterTls, loadClusterTls } from '../pkg/tls/cluster-tls.js';
import { type CtlReply, callMaster, parseMasterAddrs, setRequestTimeout } from './client.js';
import { type CtlFlags, type CtlSettings, parseCtlConfigFile, resolveCtlSettings } from './ctl-config.js';
import { printError, printReply } from './output.js';

export type Options = Record<string, unknown>;

/** The global settings: flags over `--config FILE` over `DM_MASTER_ADDR` (see ctl-config.ts). */
export function ctlSettings(cmd: Command): CtlSettings {
  const flags = cmd.optsWithGlobals<CtlFlags>();
  let file = {};
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw dmError(
        E.ctlInvalidArgs,
        `the current command parameter: --config is invalid or used incorrectly: ${(err as Error).message}`,
      );
    }
    file = parseCtlConfigFile(text, flags.config);
  }
  return resolveCtlSettings(flags, file, { DM_MASTER_ADDR: process.env.DM_MASTER_ADDR });
}

/**
 * The master addresses. Every command asks for them before talking to a master, so this is
 * also where the `--ssl-*` identity and the `--rpc-timeout` are taken on.
 */
export function masterAddrs(cmd: Command): string[] {
  const s = ctlSettings(cmd);
  useClusterTls(ctlTls(s));
  setRequestTimeout(s.rpcTimeoutMs);
  return parseMasterAddrs(s.masterAddr || undefined);
}

/**
 * DM's `--ssl-ca/--ssl-cert/--ssl-key` (flags or the `--config` file): with them dmctl speaks
 * HTTPS and presents the client certificate; without them plain HTTP.
 */
export function ctlTls(s: CtlSettings): ClusterTls | undefined {
  return loadClusterTls({ sslCa: s.sslCa, sslCert: s.sslCert, sslKey: s.sslKey, certAllowedCn: [] }, 'dmctl');
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
