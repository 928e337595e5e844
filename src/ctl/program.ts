/**
 * dmctl's command tree: the global `--config`, `--master-addr`, `--rpc-timeout` and `--ssl-*`
 * (DM's dmctl flags), then one file per command.
 */
import { Command } from 'commander';
import { register as binlog } from './commands/binlog.js';
import { register as binlogSchema } from './commands/binlog-schema.js';
import { register as checkTask } from './commands/check-task.js';
import { register as completion } from './commands/completion.js';
import { register as config } from './commands/config.js';
import { register as cutover } from './commands/cutover.js';
import { register as encrypt } from './commands/encrypt.js';
import { register as handleError } from './commands/handle-error.js';
import { register as listMember } from './commands/list-member.js';
import { register as offlineMember } from './commands/offline-member.js';
import { register as operateLeader } from './commands/operate-leader.js';
import { register as operateSource } from './commands/operate-source.js';
import { register as pauseTask } from './commands/pause-task.js';
import { register as purgeRelay } from './commands/purge-relay.js';
import { register as queryStatus } from './commands/query-status.js';
import { register as relayStage } from './commands/relay-stage.js';
import { register as resumeTask } from './commands/resume-task.js';
import { register as shardDdlLock } from './commands/shard-ddl-lock.js';
import { register as startTask } from './commands/start-task.js';
import { register as stopTask } from './commands/stop-task.js';
import { register as transferSource } from './commands/transfer-source.js';
import { register as updateTask } from './commands/update-task.js';
import { register as validation } from './commands/validation.js';
import { DEFAULT_RPC_TIMEOUT } from './ctl-config.js';

export function buildProgram(): Command {
  const program = new Command('dmctl')
    .description('dmctl: control a DM cluster (JSON output as DM)')
    .option(
      '--config <file>',
      'dmctl config file (TOML: master-addr, rpc-timeout, ssl-ca, ssl-cert, ssl-key)',
    )
    .option('--master-addr <addrs>', 'master client address(es), comma-separated (default 127.0.0.1:8261)')
    .option(
      '--rpc-timeout <duration>',
      `timeout of each request to the master (default ${DEFAULT_RPC_TIMEOUT})`,
    )
    .option('--ssl-ca <file>', 'CA of the cluster TLS certificates (the masters run with ssl-ca): talk HTTPS')
    .option('--ssl-cert <file>', 'client certificate (PEM) presented to the master')
    .option('--ssl-key <file>', 'private key of --ssl-cert (PEM)')
    .showHelpAfterError();
  for (const reg of [
    operateSource,
    startTask,
    stopTask,
    pauseTask,
    resumeTask,
    queryStatus,
    checkTask,
    listMember,
    offlineMember,
    transferSource,
    operateLeader,
    config,
    encrypt,
    binlog,
    handleError,
    binlogSchema,
    relayStage,
    purgeRelay,
    updateTask,
    validation,
    cutover,
    shardDdlLock,
    completion,
  ]) {
    reg(program);
  }
  return program;
}
