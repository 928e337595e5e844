import { quoteTable } from '../../pkg/db/connect.js';
import { TableMap } from '../../pkg/schema/table-map.js';
import type { DmlJob } from '../job.js';

export const VALIDATOR_STAGES = ['Running', 'Stopped'] as const;
export type ValidatorStage = (typeof VALIDATOR_STAGES)[number];

/** DM's ValidationTableStatus (dmworker.proto). */
export interface ValidationTableStatus {
  source: string;
  srcTable: string;
  dstTable: string;
  stage: ValidatorStage;
  message: string;
}

/** DM's ValidationStatus (dmworker.proto) as query-status / validation status print it. */
export interface ValidationStatus {
  task: string;
  source: string;
  mode: string;
  stage: ValidatorStage;
  validatorBinlog: string;
  validatorBinlogGtid: string;
  result: { isCanceled: boolean; errors: { message: string }[] } | null;
  processedRowsStatus: string;
  pendingRowsStatus: string;
  errorRowsStatus: string;
  cutoverBinlogPos: string;
  cutoverBinlogGtid: string;
}

/** The tables the validator has seen, for `validation status` (DM's ValidationTableStatus). */
export class TableStages {
  private readonly seen = new Map<string, ValidationTableStatus>();

  /** Source tables noted: one change costs a lookup and no name built. */
  private readonly noted = new TableMap<true>();

  constructor(private readonly source: string) {}

  note(j: DmlJob): void {
    const c = j.change;
    if (this.noted.get(c.source.schema, c.source.table)) return;
    this.noted.set(c.source.schema, c.source.table, true);
    const src = quoteTable(c.source.schema, c.source.table);
    this.seen.set(src, {
      source: this.source,
      srcTable: src,
      dstTable: quoteTable(c.target.schema, c.target.table),
      stage: j.noKey ? 'Stopped' : 'Running',
      message: j.noKey ? 'no primary key or unique key can be used' : '',
    });
  }

  /** DM's tableStatuses, optionally of one stage (`--table-stage running|stopped`). */
  list(validator: ValidatorStage, stage?: ValidatorStage): ValidationTableStatus[] {
    return [...this.seen.values()]
      .map((t) =>
        t.stage === 'Running' && validator === 'Stopped' ? { ...t, stage: 'Stopped' as const } : t,
      )
      .filter((t) => !stage || t.stage === stage);
  }
}
