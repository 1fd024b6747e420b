import type { Command } from 'commander';
import { z } from 'zod';
import { ColumnList, IsoTime, parseFlags, reportFailure } from '../../evaluation/cli-flags.js';
import { formatSimulation, runSimulation } from '../../evaluation/run-simulation.js';

/**
 * `qualify simulate`: the dry run before publishing a model change. Qualifies every row of an
 * export with the current model and the candidate and shows who would change grade and stage,
 * in both directions, with examples. Writes nothing.
 */

const SimulateFlags = z.object({
  model: z.string({ error: 'required: the candidate scoring model' }).min(1),
  data: z.string({ error: 'required: the CSV export to run on' }).min(1),
  mapping: z.string({ error: 'required: the mapping file for the CSV rows' }).min(1),
  baseline: z.string().min(1).optional(),
  exclude: ColumnList,
  examples: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(0, 'expected 0 or more').default(5),
  at: IsoTime,
  json: z.boolean().default(false),
});

export function register(program: Command): void {
  program
    .command('simulate')
    .description('dry run of a model change: how many leads would change grade and stage, up and down, with examples (writes nothing)')
    .option('--model <file>', 'the candidate scoring model')
    .option('--data <file>', 'CSV export with one lead per row')
    .option('--mapping <file>', 'mapping file that turns a row into a canonical lead')
    .option('--baseline <file>', 'the current model to compare with; default mappings/scoring.yaml')
    .option('--exclude <columns>', 'comma-separated source columns to drop before mapping')
    .option('--examples <n>', 'examples to show per direction', '5')
    .option('--at <iso-time>', "evaluation time for every lead (default: each lead's own update or newest event time)")
    .option('--json', 'print JSON instead of text')
    .action(async (raw: Record<string, unknown>) => {
      try {
        const flags = parseFlags(SimulateFlags, raw);
        const outcome = await runSimulation({
          model: flags.model,
          data: flags.data,
          mapping: flags.mapping,
          baseline: flags.baseline,
          exclude: flags.exclude ?? [],
          examples: flags.examples,
          at: flags.at === undefined ? undefined : new Date(flags.at),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(outcome, null, 2)}\n` : `${formatSimulation(outcome)}\n`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
