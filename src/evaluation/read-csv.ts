import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import cliProgress from 'cli-progress';
import { z } from 'zod';

/**
 * Streaming CSV reader for historical exports. One bad row must never sink a 100k-row backtest:
 * every row that can't be parsed, checked or handled is counted and the first few are kept with
 * their row number and the field at fault, so the report can say what to fix.
 */

export interface CsvIssue {
  /** 1-based data row (the header is row 0). Null for a parse error that has no row yet. */
  row: number | null;
  /** Line in the file where the row ends (what an editor shows). */
  line: number | null;
  /** Column or canonical field at fault, when known. */
  field: string | null;
  message: string;
}

export interface CsvReport {
  file: string;
  /** Data rows seen (accepted + rejected). */
  rows: number;
  accepted: number;
  rejected: number;
  /** The first `maxIssues` rejections, in file order. */
  issues: CsvIssue[];
}

/**
 * Thrown by a row handler to reject one row with a reason; any error carrying a string
 * `field` (e.g. a MappingError) or a ZodError is treated the same way.
 */
export class RowRejectedError extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'RowRejectedError';
  }
}

export interface ReadCsvOptions {
  /** Show a progress bar on stderr: 'auto' (default) = only when stderr is a terminal and the file is over 1 MB. */
  progress?: boolean | 'auto';
  /** How many rejections to keep with details (all are counted). Default 5. */
  maxIssues?: number;
  /** Called once with the header before any row; throw to refuse the file (e.g. a missing column). */
  onHeader?: (header: string[]) => void;
}

export type CsvRecord = Record<string, string>;

const HeaderSchema = z
  .array(z.string())
  .min(1, 'the file has no header line')
  .superRefine((cols, ctx) => {
    const seen = new Set<string>();
    for (const c of cols) {
      if (seen.has(c)) ctx.addIssue({ code: 'custom', message: `column "${c}" appears twice in the header` });
      seen.add(c);
    }
  });

const PROGRESS_MIN_BYTES = 1_000_000;

/** Turn a handler's error into a row issue, or null when it is a bug that must not be swallowed. */
function rowIssue(err: unknown): Omit<CsvIssue, 'row' | 'line'> | null {
  if (err instanceof z.ZodError) {
    const first = err.issues[0];
    return { field: first?.path.join('.') || null, message: first?.message ?? err.message };
  }
  if (err instanceof Error && (err instanceof RowRejectedError || err.name === 'MappingError' || 'field' in err)) {
    const field = (err as { field?: unknown }).field;
    return { field: typeof field === 'string' ? field : null, message: err.message };
  }
  return null;
}

/**
 * Read `file`, turn every data row into a header-keyed record (checked: one value per header
 * column) and pass it to `handle`. Returns what the handler returned for accepted rows, with
 * their row numbers, and the report. A missing file or a bad header is fatal (nothing can be read);
 * a bad row is not.
 */
export async function readCsv<T>(
  file: string,
  handle: (record: CsvRecord, row: number) => T,
  options: ReadCsvOptions = {},
): Promise<{ items: Array<{ row: number; value: T }>; header: string[]; report: CsvReport }> {
  const maxIssues = options.maxIssues ?? 5;
  const size = statSync(file).size; // throws ENOENT with the path: fatal, as it should be
  const showProgress =
    options.progress === true || (options.progress !== false && Boolean(process.stderr.isTTY) && size > PROGRESS_MIN_BYTES);

  const report: CsvReport = { file, rows: 0, accepted: 0, rejected: 0, issues: [] };
  const items: Array<{ row: number; value: T }> = [];
  const reject = (issue: CsvIssue) => {
    report.rejected++;
    if (report.issues.length < maxIssues) report.issues.push(issue);
  };

  const parser = createReadStream(file).pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    report.rows++;
    reject({ row: null, line: err.lines ?? null, field: null, message: err.message });
  });

  const bar = showProgress
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'reading {bar} {percentage}% | {rows} rows', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0, { rows: 0 });

  let header: string[] | null = null;
  let row = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      if (header === null) {
        const parsed = HeaderSchema.safeParse(record.map((c) => c.trim()));
        if (!parsed.success) throw new Error(`${file}: bad header: ${parsed.error.issues[0].message}`);
        header = parsed.data;
        options.onHeader?.(header);
        continue;
      }
      row++;
      report.rows++;
      if (bar && row % 500 === 0) bar.update(info.bytes, { rows: row });
      if (record.length !== header.length) {
        reject({ row, line: info.lines, field: null, message: `expected ${header.length} fields, got ${record.length}` });
        continue;
      }
      const cells: CsvRecord = {};
      header.forEach((column, i) => (cells[column] = record[i]));
      try {
        items.push({ row, value: handle(cells, row) });
        report.accepted++;
      } catch (err) {
        const issue = rowIssue(err);
        if (!issue) throw err;
        reject({ row, line: info.lines, ...issue });
      }
    }
  } finally {
    bar?.update(size, { rows: row });
    bar?.stop();
  }
  if (header === null) throw new Error(`${file}: the file is empty (no header line)`);
  return { items, header, report };
}

/** One line per kept issue, e.g. `row 17 (line 18), field "Converted": label must be 1/0, yes/no or true/false`. */
export function formatIssues(report: CsvReport): string[] {
  return report.issues.map((i) => {
    const where = i.row === null ? `line ${i.line ?? '?'}` : `row ${i.row} (line ${i.line ?? '?'})`;
    return `${where}${i.field ? `, field "${i.field}"` : ''}: ${i.message}`;
  });
}
