import { z } from 'zod';

/**
 * Commander hands flags over as loose strings; each command checks them with a zod schema so a
 * bad value is refused with the flag's own name ("--seed: expected an integer"), not a stack trace.
 */

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function parseFlags<S extends z.ZodType>(schema: S, flags: unknown): z.infer<S> {
  const parsed = schema.safeParse(flags);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `--${kebab(String(i.path[0] ?? '?'))}: ${i.message}`);
  throw new FlagError(lines.join('\n'));
}

/** "a, b ,c" → ["a", "b", "c"]; CSV column names may contain spaces, so only commas split. */
export const ColumnList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
  )
  .optional();

export const IsoTime = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 time such as 2026-01-31T00:00:00Z' }).optional();

/** Print a failure the way a person wants to read it and set the exit code (2: usage, 1: data or file). */
export function reportFailure(err: unknown): void {
  // Errors about the input (flags, files, mapping, model) speak for themselves; anything else is a
  // bug, and its stack is what the person filing it needs.
  const expected =
    err instanceof Error &&
    (err.constructor === Error || ['FlagError', 'MappingError', 'ScoringModelError'].includes(err.name) || 'code' in err);
  const message = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`qualify: ${message}\n`);
  process.exitCode = err instanceof FlagError ? 2 : 1;
}
