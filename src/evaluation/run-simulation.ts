import { loadMapping } from '../mapping/load-mapping.js';
import { loadScoringModel } from '../qualification/qualify-lead.js';
import { qualifyAll } from './evaluate-model.js';
import { formatCsvReport, table } from './format-report.js';
import { loadDataset } from './load-dataset.js';
import type { CsvReport } from './read-csv.js';
import { simulateChange, type ChangeExample, type ChangeMatrix, type SimulationReport } from './simulate-change.js';

/** What `qualify simulate` does, without the command-line parsing. Reads files, writes nothing. */

export interface SimulationRequest {
  model: string;
  data: string;
  mapping: string;
  /** Current model; default mappings/scoring.yaml. */
  baseline?: string;
  exclude: string[];
  at?: Date;
  examples: number;
  progress?: boolean | 'auto';
}

export interface SimulationOutcome extends SimulationReport {
  data: string;
  mapping: string;
  csv: CsvReport;
}

export async function runSimulation(req: SimulationRequest): Promise<SimulationOutcome> {
  const mapping = loadMapping(req.mapping);
  const candidate = loadScoringModel(req.model);
  const baseline = loadScoringModel(req.baseline);
  const dataset = await loadDataset({ file: req.data, mapping, exclude: req.exclude, progress: req.progress });
  // The same evaluation time for a lead under both models, so only the model differs.
  const fallback = req.at ?? new Date();
  const report = simulateChange(
    dataset.rows,
    { model: baseline, results: qualifyAll(dataset.rows, baseline, req.at, fallback) },
    { model: candidate, results: qualifyAll(dataset.rows, candidate, req.at, fallback) },
    req.examples,
  );
  return { data: req.data, mapping: req.mapping, csv: dataset.report, ...report };
}

function matrixLines<K extends string>(name: string, m: ChangeMatrix<K>, keys: readonly K[]): string[] {
  const used = keys.filter((k) => keys.some((j) => m.counts[k][j] > 0 || m.counts[j][k] > 0));
  return [
    `${name}: ${m.upgraded} up, ${m.downgraded} down${m.sideways > 0 ? `, ${m.sideways} sideways` : ''}, ${m.unchanged} unchanged`,
    ...table(
      [`baseline ↓ / candidate →`, ...used],
      used.map((from) => [from, ...used.map((to) => (from === to ? `(${m.counts[from][to]})` : String(m.counts[from][to])))]),
    ).map((l) => `  ${l}`),
  ];
}

function exampleLines(title: string, examples: ChangeExample[]): string[] {
  if (examples.length === 0) return [`${title}: none`];
  return [
    `${title}:`,
    ...examples.map(
      (e) =>
        `  row ${e.row} (${e.recordId}): stage ${e.stage.from} → ${e.stage.to}, grade ${e.grade.from} → ${e.grade.to}, score ${e.score.from.toFixed(1)} → ${e.score.to.toFixed(1)}; ${e.reasons || '(no reasons)'}`,
    ),
  ];
}

export function formatSimulation(o: SimulationOutcome): string {
  return [
    `qualify simulate (dry run, nothing written): ${o.data}, mapping ${o.mapping}`,
    ...formatCsvReport(o.csv),
    `baseline  ${o.baseline.versionId} (${o.baseline.source})`,
    `candidate ${o.candidate.versionId} (${o.candidate.source})`,
    `score: mean ${o.score.meanBefore.toFixed(1)} → ${o.score.meanAfter.toFixed(1)}; ${o.score.increased} leads up, ${o.score.decreased} down`,
    '',
    ...matrixLines('grade', o.grades, ['A', 'B', 'C', 'D'] as const),
    '',
    ...matrixLines('stage', o.stages, ['disqualified', 'subscriber', 'lead', 'recycled', 'mql', 'sql', 'opportunity', 'customer'] as const),
    '',
    ...exampleLines('examples moving up', o.examples.upgraded),
    ...exampleLines('examples moving down', o.examples.downgraded),
  ].join('\n');
}
