import type { DumpStatus, LoadStatus, SubTaskStatus } from '../pkg/api/worker-api.js';
import type { SyncStatus } from '../sync/sync-status.js';

/**
 * A unit's status into its section of the subtask status. The units implement
 * `Unit<DumpStatus>`, `Unit<LoadStatus>` and `Unit<SyncStatus>` (types of src/pkg/api, checked
 * where the units are declared); a subtask holds them as plain `Unit`s, so the section is
 * chosen by the unit's type. `enableRelay`: where the events come from is the subtask's choice
 * (the sync unit may not know it changed).
 */
export function putUnitStatus(
  st: SubTaskStatus,
  unit: 'Dump' | 'Load' | 'Sync',
  s: unknown,
  enableRelay: boolean,
): void {
  if (unit === 'Dump') st.dump = s as DumpStatus;
  else if (unit === 'Load') st.load = s as LoadStatus;
  else {
    const { unresolvedDDLLockID, ...sync } = s as SyncStatus;
    st.sync = { ...sync, binlogType: enableRelay ? 'local' : 'remote' };
    // DM prints the lock a subtask waits on beside its stage, not inside `sync`.
    st.unresolvedDDLLockID = unresolvedDDLLockID ?? '';
  }
}
