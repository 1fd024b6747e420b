import { mapRecord } from '../mapping/apply-mapping.js';
import type { Mapping } from '../mapping/mapping.schema.js';
import type { LabelledLead } from './fit-model.js';
import { readCsv, RowRejectedError, type CsvReport, type ReadCsvOptions } from './read-csv.js';

/**
 * A historical export turned into labelled canonical leads: each CSV row goes through the mapping
 * file exactly as a live record would, and its outcome column becomes the label.
 *
 * The outcome column (and every `exclude`d column) is blanked before mapping, so no mapping can
 * read the answer it is judged against, whatever the file says.
 */

export interface DatasetRow extends LabelledLead {
  /** 1-based data row in the CSV. */
  row: number;
}

export interface LoadDatasetOptions {
  file: string;
  mapping: Mapping;
  /** Outcome column: 1/0, yes/no or true/false. Without it (a dry run) every label is false and unused. */
  label?: string;
  /** Source columns to drop (blanked before mapping). */
  exclude?: readonly string[];
  /** Column that orders rows in time (a number or a date); else the mapped sourceUpdatedAt, if every row has one. */
  orderBy?: string;
  progress?: ReadCsvOptions['progress'];
  maxIssues?: number;
}

export interface Dataset {
  rows: DatasetRow[];
  header: string[];
  report: CsvReport;
  /** What orders the rows in time, when something does: "column Created", "sourceUpdatedAt". */
  orderName: string | null;
}

const LABELS: Record<string, boolean> = { '1': true, '0': false, yes: true, no: false, true: true, false: false, y: true, n: false };

/** 1/0, yes/no, true/false (any case, trimmed); anything else rejects the row. */
export function parseLabel(value: string, column: string): boolean {
  const label = LABELS[value.trim().toLowerCase()];
  if (label === undefined) throw new RowRejectedError(column, `expected 1/0, yes/no or true/false, got "${value}"`);
  return label;
}

function parseOrder(value: string): number | null {
  const t = value.trim();
  if (t === '') return null;
  const n = Number(t);
  if (Number.isFinite(n)) return n;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

export async function loadDataset(options: LoadDatasetOptions): Promise<Dataset> {
  const exclude = options.exclude ?? [];
  const { items, header, report } = await readCsv(
    options.file,
    (record, row) => {
      const label = options.label === undefined ? false : parseLabel(record[options.label], options.label);
      const order = options.orderBy === undefined ? null : parseOrder(record[options.orderBy]);
      const raw = options.label === undefined ? { ...record } : { ...record, [options.label]: '' };
      for (const column of exclude) raw[column] = '';
      const mapped = mapRecord(options.mapping, raw);
      const updated = mapped.sourceUpdatedAt === null ? null : Date.parse(mapped.sourceUpdatedAt);
      return { id: mapped.recordId, lead: mapped.lead, label, row, order: options.orderBy === undefined ? updated : order };
    },
    {
      progress: options.progress,
      maxIssues: options.maxIssues,
      onHeader: (columns) => {
        const named = [options.label, ...exclude, options.orderBy].filter((c): c is string => c !== undefined);
        const unknown = named.filter((c) => !columns.includes(c));
        if (unknown.length > 0) {
          throw new Error(`${options.file}: no column ${unknown.map((c) => `"${c}"`).join(', ')}; columns: ${columns.join(', ')}`);
        }
      },
    },
  );
  const rows = items.map((i) => i.value);
  const orderName = options.orderBy !== undefined ? `column ${options.orderBy}` : rows.some((r) => r.order !== null) ? 'sourceUpdatedAt' : null;
  return { rows, header, report, orderName };
}
