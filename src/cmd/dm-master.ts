/**
 * dm-master entry point: DM's flags (plus ours), then hand over to MasterServer.
 * SIGTERM/SIGINT stop the server (and its etcd member) before exiting.
 */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { runPrechecks } from '../checker/index.js';
import { parseMasterToml, type RawMasterOptions, resolveMasterOptions } from '../master/options.js';
import { MasterServer } from '../master/server.js';
import { logConfigWarningsTo } from '../pkg/config/config-warnings.js';
import { readSecretKeyFile, setDmSecretKey } from '../pkg/config/encrypt.js';
import { isDmError } from '../pkg/errors/index.js';
import { createLogger } from '../pkg/log/logger.js';

const program = new Command('dm-master')
  .description('DM master: cluster topology, scheduling, task management and HTTP API')
  .option('--name <name>', 'human-readable name for this DM-master member')
  .option('--master-addr <addr>', 'client (HTTP API) listen address host:port (default 127.0.0.1:8261)')
  .option('--advertise-addr <addr>', 'advertised client address (default: master-addr)')
  .option('--peer-urls <urls>', 'etcd peer listen URLs (default http://127.0.0.1:8291)')
  .option('--advertise-peer-urls <urls>', 'advertised etcd peer URLs (default: peer-urls)')
  .option('--initial-cluster <list>', 'initial etcd cluster: name=url,…')
  .option('--join <addrs>', 'join an existing cluster through these master client addresses')
  .option('--data-dir <dir>', 'data directory (default default.<name>)')
  .option('--config <file>', 'TOML config file (same keys as the flags)')
  .option('--log-file <file>', 'log file (default stderr)')
  .option('-L, --log-level <level>', 'log level: debug, info, warn, error')
  .option('--log-format <format>', 'json (default) or text (DM’s text lines)')
  .option('--etcd-bin <path>', 'etcd binary (default etcd on PATH)')
  .option('--etcd-client-urls <urls>', "this member's etcd client URL (default peer port + 1)")
  .option('--etcd-endpoints <urls>', 'use this external etcd cluster instead of supervising a member')
  .option('--election-ttl <seconds>', 'leader election lease TTL in seconds (default 10)')
  .option(
    '--secret-key-path <file>',
    'file with the hex AES-256 key (64 digits) of encrypted passwords (default: DM’s former built-in key)',
  )
  .option(
    '--ssl-ca <file>',
    'CA of the cluster TLS certificates; turns on TLS with client-certificate verification',
  )
  .option('--ssl-cert <file>', 'this master’s certificate (PEM), served and presented to peers')
  .option('--ssl-key <file>', 'the private key of --ssl-cert (PEM)')
  .option('--cert-allowed-cn <names>', 'client certificate common names allowed to connect, comma-separated')
  .allowExcessArguments(false);

async function main(): Promise<void> {
  program.parse(process.argv);
  const flags = program.opts<Record<string, string>>();
  const raw: RawMasterOptions = {};
  const map: Record<string, keyof RawMasterOptions> = {
    name: 'name',
    masterAddr: 'master-addr',
    advertiseAddr: 'advertise-addr',
    peerUrls: 'peer-urls',
    advertisePeerUrls: 'advertise-peer-urls',
    initialCluster: 'initial-cluster',
    join: 'join',
    dataDir: 'data-dir',
    logFile: 'log-file',
    logLevel: 'log-level',
    logFormat: 'log-format',
    etcdBin: 'etcd-bin',
    etcdClientUrls: 'etcd-client-urls',
    etcdEndpoints: 'etcd-endpoints',
    electionTtl: 'election-ttl',
    secretKeyPath: 'secret-key-path',
    sslCa: 'ssl-ca',
    sslCert: 'ssl-cert',
    sslKey: 'ssl-key',
    certAllowedCn: 'cert-allowed-cn',
  };
  for (const [k, key] of Object.entries(map)) if (flags[k] !== undefined) raw[key] = flags[k];
  const file = flags.config ? parseMasterToml(readFileSync(flags.config, 'utf8'), flags.config) : {};
  const opts = resolveMasterOptions(raw, file);
  const log = createLogger({
    name: 'dm-master',
    level: opts.logLevel,
    format: opts.logFormat,
    ...(opts.logFile ? { file: opts.logFile } : {}),
  });
  // Coded warnings of config keys DM ignores too (the TOML above, source and task configs).
  logConfigWarningsTo(log);
  const server = new MasterServer(opts, log.child({ master: opts.name }), runPrechecks);
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ sig }, 'signal received');
    void server.stop().finally(() => {
      log.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    // As DM's InitCipher: the key of DM-format passwords, before any config is parsed.
    setDmSecretKey(opts.secretKeyPath ? readSecretKeyFile(opts.secretKeyPath) : undefined);
    await server.start();
  } catch (err) {
    log.fatal({ err }, 'dm-master failed to start');
    process.stderr.write(`dm-master: ${isDmError(err) ? err.toString() : String(err)}\n`);
    await server.stop().catch(() => undefined);
    log.flush();
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`dm-master: ${isDmError(err) ? err.toString() : String(err)}\n`);
  process.exit(1);
});
