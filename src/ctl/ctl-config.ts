/**
 * dmctl's own settings (DM's dmctl `Config`): the master address, the per-request RPC timeout
 * and the `ssl-*` identity, from the command line, a `--config` TOML file and the
 * `DM_MASTER_ADDR` environment variable. Pure: the caller reads the file.
 *
 * Precedence, as DM: a command-line flag wins over the file; `DM_MASTER_ADDR` is used only when
 * neither names a master. (DM re-reads every flag after the file, so its `--rpc-timeout`
 * default silently overrides the file's `rpc-timeout`; here only a flag actually given does.)
 */
import { parse as parseToml } from 'smol-toml';
import { parseGoDuration } from '../pkg/config/index.js';
import { dmError, E } from '../pkg/errors/index.js';

/** DM's `defaultRPCTimeout`. */
export const DEFAULT_RPC_TIMEOUT = '10m';

/** The keys DM's dmctl config file has (`toml:"…"` tags of dm/ctl/common.Config + Security). */
export interface CtlFileConfig {
  'master-addr'?: string;
  'rpc-timeout'?: string;
  'ssl-ca'?: string;
  'ssl-cert'?: string;
  'ssl-key'?: string;
}

/** The global flags as commander hands them over (undefined when not given). */
export interface CtlFlags {
  config?: string;
  masterAddr?: string;
  rpcTimeout?: string;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
}

export interface CtlSettings {
  /** Comma-separated master addresses; '' when none is known. */
  masterAddr: string;
  /** Per-request timeout in ms (DM `--rpc-timeout`, default 10m). */
  rpcTimeoutMs: number;
  sslCa: string;
  sslCert: string;
  sslKey: string;
}

const FILE_KEYS = ['master-addr', 'rpc-timeout', 'ssl-ca', 'ssl-cert', 'ssl-key'] as const;

/** Parse a dmctl config file (TOML). Unknown keys are refused, as a typo would go unnoticed. */
export function parseCtlConfigFile(text: string, file: string): CtlFileConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw dmError(
      E.ctlInvalidArgs,
      `the current command parameter: --config is invalid or used incorrectly: ${file}: ${(err as Error).message}`,
    );
  }
  const out: CtlFileConfig = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!(FILE_KEYS as readonly string[]).includes(k)) {
      throw dmError(
        E.ctlInvalidArgs,
        `${file}: unknown dmctl config key "${k}" (known: ${FILE_KEYS.join(', ')})`,
      );
    }
    if (typeof v !== 'string') throw dmError(E.ctlInvalidArgs, `${file}: "${k}" must be a string`);
    out[k as keyof CtlFileConfig] = v;
  }
  return out;
}

/** Go duration text → ms, refusing zero and negative values as DM does. */
export function parseRpcTimeout(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined) throw dmError(E.ctlInvalidArgs, `invalid --rpc-timeout "${text}" (e.g. 30s, 10m)`);
  if (ms <= 0) throw dmError(E.ctlInvalidArgs, `invalid time duration: ${text}`);
  return ms;
}

/** Merge flags over the file over the environment (see the module comment). */
export function resolveCtlSettings(
  flags: CtlFlags,
  file: CtlFileConfig = {},
  env: { DM_MASTER_ADDR?: string } = {},
): CtlSettings {
  const pick = (flag: string | undefined, fromFile: string | undefined): string =>
    flag !== undefined && flag !== '' ? flag : (fromFile ?? '');
  return {
    masterAddr: pick(flags.masterAddr, file['master-addr']) || env.DM_MASTER_ADDR || '',
    rpcTimeoutMs: parseRpcTimeout(pick(flags.rpcTimeout, file['rpc-timeout']) || DEFAULT_RPC_TIMEOUT),
    sslCa: pick(flags.sslCa, file['ssl-ca']),
    sslCert: pick(flags.sslCert, file['ssl-cert']),
    sslKey: pick(flags.sslKey, file['ssl-key']),
  };
}
