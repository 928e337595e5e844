import { Command } from 'commander';
import { logConfigWarningsTo } from '../pkg/config/config-warnings.js';
import { isDmError } from '../pkg/errors/index.js';
import { createLogger } from '../pkg/log/logger.js';
import { Worker } from '../worker/worker.js';
import { resolveWorkerConfig, type WorkerFlags } from '../worker/worker-config.js';

/**
 * dm-worker entry point: flags as DM (DESIGN.md §1), plus `--work-dir` (ours). SIGTERM/SIGINT
 * stop subtasks gracefully (units flush checkpoints), revoke the lease and exit 0.
 */
async function main(argv: string[]): Promise<void> {
  const program = new Command('dm-worker')
    .description('DM worker: runs relay, dump, load and sync for the source bound to it')
    .option('--name <name>', 'worker name, unique in the cluster (default: from --advertise-addr)')
    .option('--worker-addr <host:port>', 'listen address (default 127.0.0.1:8262)')
    .option(
      '--advertise-addr <host:port>',
      'address masters use to reach this worker (default: --worker-addr)',
    )
    .option('--join <addrs>', 'dm-master client addresses, comma-separated')
    .option('--config <file>', 'TOML config file with the same keys as the flags')
    .option('--log-file <file>', 'log file (default: stderr)')
    .option('-L, --log-level <level>', 'debug|info|warn|error (default info)')
    .option('--log-format <format>', 'json (default) or text (DM’s text lines)')
    .option('--keepalive-ttl <seconds>', 'etcd lease TTL of this worker (default 5; DM uses 60)')
    .option(
      '--relay-keepalive-ttl <seconds>',
      'etcd lease TTL while this worker runs a relay (default: --keepalive-ttl; DM uses 1800)',
    )
    .option('--work-dir <dir>', 'directory for dump files and relay logs (default: current directory)')
    .option(
      '--ssl-ca <file>',
      'CA of the cluster TLS certificates; turns on TLS with client-certificate verification',
    )
    .option('--ssl-cert <file>', 'this worker’s certificate (PEM), served and presented to masters and etcd')
    .option('--ssl-key <file>', 'the private key of --ssl-cert (PEM)')
    .option(
      '--cert-allowed-cn <names>',
      'client certificate common names allowed to connect, comma-separated',
    )
    .allowExcessArguments(false);
  program.parse(argv);
  const o = program.opts<Record<string, string | undefined>>();
  const flags: WorkerFlags = {
    name: o.name,
    'worker-addr': o.workerAddr,
    'advertise-addr': o.advertiseAddr,
    join: o.join,
    config: o.config,
    'log-file': o.logFile,
    'log-level': o.logLevel,
    'log-format': o.logFormat,
    'keepalive-ttl': o.keepaliveTtl,
    'relay-keepalive-ttl': o.relayKeepaliveTtl,
    'work-dir': o.workDir,
    'ssl-ca': o.sslCa,
    'ssl-cert': o.sslCert,
    'ssl-key': o.sslKey,
    'cert-allowed-cn': o.certAllowedCn,
  };
  for (const k of Object.keys(flags) as (keyof WorkerFlags)[]) if (flags[k] === undefined) delete flags[k];

  const cfg = resolveWorkerConfig(flags);
  const logger = createLogger({
    name: 'dm-worker',
    level: cfg.logLevel,
    file: cfg.logFile || undefined,
    format: cfg.logFormat,
  });
  // Coded warnings of config keys DM ignores too (the TOML above, source and task configs).
  logConfigWarningsTo(logger);
  logger.info({ config: cfg }, 'starting dm-worker');
  const worker = new Worker(cfg, logger);

  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'stopping dm-worker');
    const force = setTimeout(() => {
      logger.error('graceful stop took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    worker
      .stop()
      .then(() => {
        logger.info('dm-worker stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        logger.flush();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await worker.start();
  } catch (err) {
    if (stopping) return;
    throw err;
  }
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(
    `dm-worker: ${isDmError(err) ? err.toString() : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
