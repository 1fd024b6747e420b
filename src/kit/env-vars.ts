import { z } from 'zod';

/**
 * How qualify and each connector declare an environment variable: its meaning, its default, what
 * a valid value looks like, and whether it is a secret (never echoed in errors or logs). The
 * app's config (src/config) validates every declared variable once, core and connectors alike.
 */
export interface EnvVarSpec<T> {
  doc: string;
  /** Used when the variable is unset or empty. */
  default?: string;
  secret?: boolean;
  /** What a valid value looks like, for the error message ("expected …"). */
  expected: string;
  parse: (raw: string) => T | undefined;
}

export type EnvVarSpecs = Record<string, EnvVarSpec<unknown>>;

/** A variable's parsed type: its parse result, or null when it has no default and is unset. */
export type ParsedVar<S> = S extends { parse: (raw: string) => infer T | undefined } ? (S extends { default: string } ? Exclude<T, undefined> : Exclude<T, undefined> | null) : never;
export type ParsedVars<Specs extends EnvVarSpecs> = { [K in keyof Specs]: ParsedVar<Specs[K]> };

const MAX = Number.MAX_SAFE_INTEGER;

export function int(min: number, max = MAX): Pick<EnvVarSpec<number>, 'expected' | 'parse'> {
  return {
    expected: max === MAX ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

export function url(protocols: string[]): Pick<EnvVarSpec<string>, 'expected' | 'parse'> {
  return {
    expected: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    parse: (raw) => {
      if (!z.url().safeParse(raw).success) return undefined;
      return protocols.includes(new URL(raw).protocol) ? raw.replace(/\/+$/, '') : undefined;
    },
  };
}

export const text: Pick<EnvVarSpec<string>, 'expected' | 'parse'> = { expected: 'a non-empty text', parse: (raw) => raw };

export const HTTP = ['http:', 'https:'];

/** A vendor API base URL (`<SYSTEM>_BASE_URL`): the vendor by default, a sandbox, a regional host or a test double otherwise. */
export function baseUrl(defaultUrl: string, doc = 'API base URL; every call goes here (a sandbox, a regional data centre or a test double).'): EnvVarSpec<string> & { default: string } {
  return { doc, default: defaultUrl, ...url(HTTP) };
}

/** The zod schema of one variable: unset or blank means the default (or null when there is none). */
export function variableSchema(spec: EnvVarSpec<unknown>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw === undefined || raw.trim() === '' ? spec.default : raw.trim();
      if (value === undefined) return null;
      const parsed = spec.parse(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${spec.expected}` });
        return z.NEVER;
      }
      return parsed;
    });
}

/** One problem with one variable; a secret's value is never repeated. */
export interface EnvProblem {
  variable: string;
  value: string;
  problem: string;
}

export function shownValue(spec: EnvVarSpec<unknown> | undefined, raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '(unset)';
  return spec?.secret ? `(hidden, ${raw.length} characters)` : JSON.stringify(raw);
}

/** Every variable of `specs` from `env`, or every problem at once (so a deploy is fixed in one round). */
export function parseEnvVars<Specs extends EnvVarSpecs>(specs: Specs, env: NodeJS.ProcessEnv): { ok: true; vars: ParsedVars<Specs> } | { ok: false; problems: EnvProblem[] } {
  const vars: Record<string, unknown> = {};
  const problems: EnvProblem[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const parsed = variableSchema(spec).safeParse(env[name]);
    if (parsed.success) vars[name] = parsed.data;
    else problems.push({ variable: name, value: shownValue(spec, env[name]), problem: parsed.error.issues[0]?.message ?? 'invalid' });
  }
  return problems.length ? { ok: false, problems } : { ok: true, vars: vars as ParsedVars<Specs> };
}
