import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { CONNECTORS } from '../../app/connector-registry.js';
import type { SourceSystem } from '../../canonical/lead.schema.js';
import { IsoTime, parseFlags, reportFailure } from '../../evaluation/cli-flags.js';
import { resolveFromRoot } from '../../infra/paths.js';
import { mapRecord } from '../../mapping/apply-mapping.js';
import { loadMapping } from '../../mapping/load-mapping.js';
import { loadScoringModel, qualifyLead } from '../../qualification/qualify-lead.js';

/**
 * `qualify score --source hubspot [file]`: score one contact exactly as the service would, without
 * a service. Reads the CRM's own JSON (a file, or stdin), maps it through the mapping file, scores
 * and classifies it, and prints the result as JSON. Nothing is stored or written back.
 */

/** What each source's record looks like before mapping (the vendor's schema, from its definition), and its default mapping. */
const SOURCES = Object.fromEntries(CONNECTORS.filter((c) => c.record).map((c) => [c.system, { schema: c.record!.schema, mapping: c.mappingFile, what: c.record!.what }]));

const ScoreFlags = z.object({
  source: z.enum(Object.keys(SOURCES) as [string, ...string[]], {
    error: (issue) => `unknown source "${String(issue.input)}"; supported: ${Object.keys(SOURCES).join(', ')}`,
  }),
  mapping: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  at: IsoTime,
  lead: z.boolean().default(false),
});

class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function register(program: Command): void {
  program
    .command('score')
    .description('score one CRM record (as the vendor\'s API returns it) and print fit, engagement, grade, stage and reasons as JSON')
    .argument('[file]', 'JSON file with the record; omit it (or give "-") to read stdin')
    .option('--source <system>', `where the record comes from (${Object.keys(SOURCES).join(', ')})`, Object.keys(SOURCES)[0])
    .option('--mapping <file>', 'mapping file (default: mappings/<source>.yaml)')
    .option('--model <file>', 'scoring model (default: mappings/scoring.yaml)')
    .option('--at <iso-time>', 'evaluation time, for decay (default: now)')
    .option('--lead', 'also print the canonical lead the record mapped to')
    .action(async (file: string | undefined, raw: Record<string, unknown>) => {
      try {
        const flags = parseFlags(ScoreFlags, raw);
        const source = SOURCES[flags.source];
        const name = file === undefined || file === '-' ? '<stdin>' : file;
        const text = name === '<stdin>' ? await readStdin() : readInput(file!);
        const record = parseRecord(text, name, source.schema, source.what);

        const mapping = loadMapping(flags.mapping ?? resolveFromRoot(source.mapping));
        const model = loadScoringModel(flags.model);
        const at = flags.at === undefined ? new Date() : new Date(flags.at);
        const { recordId, lead } = mapRecord(mapping, record, { system: flags.source as SourceSystem });
        const { score, lifecycle } = qualifyLead({ lead, model, previous: null, at });

        const out = {
          source: flags.source,
          recordId,
          email: lead.email,
          modelVersion: score.modelVersion,
          evaluatedAt: score.evaluatedAt,
          fit: score.fit,
          engagement: score.engagement,
          score: score.score,
          grade: score.grade,
          band: score.band,
          segment: score.segment,
          stage: lifecycle.stage,
          stageReason: lifecycle.reason,
          disqualifiedBy: score.disqualifiedBy,
          reasons: score.reasons,
          contributions: score.contributions,
          ...(flags.lead && { lead }),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } catch (err) {
        if (err instanceof InputError) {
          process.stderr.write(`qualify: ${err.message}\n`);
          process.exitCode = 1;
        } else reportFailure(err);
      }
    });
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('give a JSON file, or pipe the record on stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON, then the vendor's schema: a failure names the file and the field. */
function parseRecord(text: string, name: string, schema: z.ZodType, what: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${name}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
    throw new InputError(`not a ${what}:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
