import type { EvaluationReport } from './evaluate-model.js';
import type { ConversionRow } from './metrics.js';
import { formatIssues, type CsvReport } from './read-csv.js';

/** Plain-text tables for a terminal; the same numbers are available as JSON with --json. */

export const pct = (x: number, digits = 1) => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(digits)} %`);
const num = (x: number, digits = 3) => (Number.isNaN(x) ? '–' : x.toFixed(digits));

export function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

function conversionTable(first: string, rows: ConversionRow[]): string[] {
  return table(
    [first, 'leads', 'converted', 'rate', 'lift', 'scores'],
    rows.map((r) => [
      r.group,
      String(r.count),
      Number.isInteger(r.conversions) ? String(r.conversions) : r.conversions.toFixed(1),
      pct(r.rate),
      Number.isNaN(r.lift) ? '–' : `${r.lift.toFixed(2)}×`,
      r.count === 0 ? '–' : `${r.minScore.toFixed(1)}–${r.maxScore.toFixed(1)}`,
    ]),
  );
}

export function formatCsvReport(report: CsvReport): string[] {
  const lines = [`rows: ${report.rows} read, ${report.accepted} mapped, ${report.rejected} rejected`];
  if (report.rejected > 0) {
    lines.push(`  first rejected rows:`, ...formatIssues(report).map((l) => `    ${l}`));
    if (report.rejected > report.issues.length) lines.push(`    … and ${report.rejected - report.issues.length} more`);
  }
  return lines;
}

export function formatEvaluation(r: EvaluationReport): string[] {
  const indent = (lines: string[]) => lines.map((l) => `  ${l}`);
  return [
    `model ${r.model.versionId} (${r.model.source})`,
    `  leads ${r.leads}, converted ${r.conversions}, base conversion rate ${pct(r.baseRate)}`,
    `  ROC-AUC  ${num(r.rocAuc)}`,
    `  PR-AUC   ${num(r.prAuc)}`,
    `  top 20 % by score convert at ${pct(r.top20.precision)} (${r.top20.selected} leads, lift ${num(r.top20.lift, 2)}×, ${pct(r.top20.recall)} of all conversions)`,
    '',
    '  conversion by score decile (1 = highest scores)',
    ...indent(indent(conversionTable('decile', r.deciles))),
    '',
    '  conversion by grade',
    ...indent(indent(conversionTable('grade', r.grades))),
    '',
    '  thresholds (selected = at or above the entry threshold; stage = classifier put the lead there or later)',
    ...indent(
      indent(
        table(
          ['', 'on', 'enter', 'selected', 'precision', 'recall', 'by stage', 'precision', 'recall'],
          r.thresholds.map((t, i) => {
            const s = r.stageReached[i];
            return [t.stage.toUpperCase(), t.on, String(t.enter), String(t.selected), pct(t.precision), pct(t.recall), String(s.selected), pct(s.precision), pct(s.recall)];
          }),
        ),
      ),
    ),
    '',
    `  leads per stage: ${r.stages.map((s) => `${s.value} ${s.count}`).join(', ')}`,
  ];
}
