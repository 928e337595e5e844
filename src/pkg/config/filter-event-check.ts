/**
 * One check of a binlog event filter's event name, shared by the task and source loaders:
 * unknown to DM → refused (20005); one DM derives only by comparing a MODIFY/CHANGE COLUMN with
 * the tracked column → refused (20051, not built here); one DM accepts but its syncer never
 * produces → accepted with the coded warning that DM ignores it too (20050).
 */
import { E, type ErrorDef } from '../errors/index.js';
import {
  COLUMN_COMPARE_EVENTS,
  isDmEventType,
  NEVER_EMITTED_EVENTS,
  normaliseEventName,
} from '../filter/dm-event-types.js';
import { type ConfigWarningSink, emitConfigWarning } from './config-warnings.js';
import { formatPath, type KeyPath, type YamlSource } from './yaml-doc.js';

export function checkFilterEvent(
  event: string,
  path: KeyPath,
  src: YamlSource,
  bad: (def: ErrorDef, path: KeyPath, detail: string) => void,
  warn?: ConfigWarningSink,
): void {
  const e = normaliseEventName(event);
  if (!isDmEventType(e)) {
    bad(E.configInvalidValue, path, `unknown event type "${event}"`);
  } else if (COLUMN_COMPARE_EVENTS.has(e)) {
    bad(
      E.configNotSupported,
      path,
      `event type "${event}" is not supported: DM derives it by comparing a MODIFY/CHANGE COLUMN with the tracked column (dm/syncer/ddl.go handleModifyColumn), which is not built here; such DDL is matched as "alter table"`,
    );
  } else if (NEVER_EMITTED_EVENTS.has(e)) {
    emitConfigWarning(
      {
        def: E.configIgnoredByDm,
        file: src.file,
        line: src.lineOf(path),
        key: formatPath(path),
        message: `event type "${event}" matches nothing: DM accepts it but its syncer never classifies a DDL as it (dm/syncer/ddl.go:1127-1190), so DM ignores it too`,
      },
      warn,
    );
  }
}
