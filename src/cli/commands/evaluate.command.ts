import type { Command } from 'commander';
import { z } from 'zod';
import { ColumnList, IsoTime, parseFlags, reportFailure } from '../../evaluation/cli-flags.js';
import { formatOutcome, runEvaluation } from '../../evaluation/run-evaluation.js';

/**
 * `qualify evaluate`: judge a scoring model against a historical export with known outcomes, or
 * (--fit) learn point weights from it and write them as a scoring model file.
 */

const EvaluateFlags = z.object({
  data: z.string({ error: 'required: the CSV export to evaluate on' }).min(1),
  label: z.string({ error: 'required: the outcome column (1/0, yes/no, true/false)' }).min(1),
  mapping: z.string({ error: 'required: the mapping file for the CSV rows' }).min(1),
  model: z.string().min(1).optional(),
  exclude: ColumnList,
  fit: z.boolean().default(false),
  out: z.string().min(1).default('./learned-model.yaml'),
  json: z.boolean().default(false),
  seed: z.coerce.number({ error: 'expected an integer' }).int('expected an integer').default(42),
  orderBy: z.string().min(1).optional(),
  at: IsoTime,
});

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('score a historical CSV export and measure the model against the outcomes (ROC-AUC, PR-AUC, lift, precision/recall); --fit learns a model')
    .option('--data <file>', 'CSV export with one lead per row')
    .option('--label <column>', 'outcome column: 1/0, yes/no or true/false')
    .option('--mapping <file>', 'mapping file that turns a row into a canonical lead')
    .option('--model <file>', 'scoring model to judge (with --fit: the baseline to compare with and copy lifecycle rules from); default mappings/scoring.yaml')
    .option('--exclude <columns>', 'comma-separated source columns to drop before mapping (e.g. columns that leak the outcome)')
    .option('--fit', 'learn point weights on a training split, report on the held-out split, write the model')
    .option('--out <file>', 'where --fit writes the learned model', './learned-model.yaml')
    .option('--seed <n>', 'seed for the random split and cross-validation folds', '42')
    .option('--order-by <column>', 'column that orders rows in time (number or date): the split then holds out the newest 30 %')
    .option('--at <iso-time>', 'evaluation time for every lead (default: each lead\'s own update or newest event time)')
    .option('--json', 'print JSON instead of text')
    .action(async (raw: Record<string, unknown>) => {
      try {
        const flags = parseFlags(EvaluateFlags, raw);
        const outcome = await runEvaluation({
          data: flags.data,
          label: flags.label,
          mapping: flags.mapping,
          model: flags.model,
          exclude: flags.exclude ?? [],
          fit: flags.fit,
          out: flags.out,
          seed: flags.seed,
          orderBy: flags.orderBy,
          at: flags.at === undefined ? undefined : new Date(flags.at),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(outcome, (_, v) => (Number.isNaN(v) ? null : v), 2)}\n` : `${formatOutcome(outcome)}\n`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
