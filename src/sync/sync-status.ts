/** The sync section of query-status (DESIGN.md §3). */
export interface SyncStatus {
  totalEvents: number;
  totalTps: number;
  recentTps: number;
  masterBinlog: string;
  masterBinlogGtid: string;
  syncerBinlog: string;
  syncerBinlogGtid: string;
  blockingDDLs: string[];
  unresolvedGroups: unknown[];
  synced: boolean;
  binlogType: 'remote' | 'local';
  secondsBehindMaster: number;
}
