/**
 * Sample files printed by `operate-source … -p` / `config … -p` and used in docs. Both are
 * valid input to the parsers (a unit test checks that).
 */

/** A commented source.yaml. */
export function sourceConfigSample(): string {
  return `# DM source configuration: one upstream MySQL/MariaDB server (or replica group).
source-id: mysql-replica-01      # unique id of this source
# flavor: mysql                  # mysql | mariadb; detected from the server when empty
enable-gtid: false               # resume replication by GTID instead of file/position
enable-relay: false              # keep a local copy of the binlog (relay log)
# relay-binlog-name: ''          # where relay starts (default: the current position)
# relay-binlog-gtid: ''
# relay-dir: ./relay_log
# server-id: 0                   # replica server id used to read the binlog; 0 = random

from:
  host: 127.0.0.1
  port: 3306
  user: root
  password: ''                   # plain text, or the output of \`dmctl encrypt\`

# purge:                         # relay log purge strategy
#   interval: 3600               # seconds between checks
#   expires: 0                   # hours; 0 = never purge by age
#   remain-space: 15             # GB of free space to keep

# checker:                       # auto-resume of paused tasks
#   check-enable: true
#   backoff-rollback: 5m0s
#   backoff-max: 5m0s
`;
}

/** A commented task.yaml. */
export function taskConfigSample(): string {
  return `# DM task configuration.
name: test                       # unique task name
task-mode: all                   # full | incremental | all | dump | load
# shard-mode: ""                 # "" | pessimistic | optimistic (merging sharded tables)
meta-schema: dm_meta             # downstream schema that keeps checkpoints
# case-sensitive: false
# online-ddl: true               # handle gh-ost / pt-osc ghost tables
# clean-dump-file: true
# ignore-checking-items: []      # e.g. [table_schema]

target-database:
  host: 127.0.0.1
  port: 4000
  user: root
  password: ''                   # plain text, or the output of \`dmctl encrypt\`

mysql-instances:
  - source-id: mysql-replica-01
    block-allow-list: ba-rule-1
    # route-rules: [route-rule-1]
    # filter-rules: [filter-rule-1]
    # meta:                      # start position for task-mode incremental
    #   binlog-name: mysql-bin.000001
    #   binlog-pos: 4
    mydumper-thread: 4
    loader-thread: 16
    syncer-thread: 16

block-allow-list:
  ba-rule-1:
    do-dbs: ["app_*"]
    # do-tables:
    #   - db-name: app_1
    #     tbl-name: "~^t_.*"

# routes:
#   route-rule-1:
#     schema-pattern: "app_*"
#     table-pattern: "t_*"
#     target-schema: app
#     target-table: t

# filters:
#   filter-rule-1:
#     schema-pattern: "app_*"
#     events: ["truncate table", "drop table"]
#     action: Ignore
`;
}
