import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { DepartmentSchema, SenioritySchema, type Department, type Seniority } from './lead.schema.js';
import { cleanText } from './missing-value.js';

/**
 * Job title → seniority and department, driven by a readable dictionary (mappings/titles.yaml;
 * its header explains the matching rules). The dictionary is data so RevOps can review and extend
 * it in a pull request without touching code.
 */

export const DEFAULT_TITLES_FILE = fileURLToPath(new URL('../../mappings/titles.yaml', import.meta.url));

const PhraseListSchema = z.array(z.string().trim().min(1)).min(1);

export const TitleDictionarySchema = z
  .object({
    seniority: z.array(z.object({ level: SenioritySchema, match: PhraseListSchema }).strict()).min(1),
    departments: z.array(z.object({ department: DepartmentSchema, match: PhraseListSchema }).strict()).min(1),
  })
  .strict();
export type TitleDictionaryFile = z.infer<typeof TitleDictionarySchema>;

interface Phrase<T> {
  value: T;
  /** Position of the level in the file: lower wins. */
  rank: number;
  pattern: RegExp;
}

export interface TitleDictionary {
  seniority: Array<Phrase<Seniority>>;
  departments: Array<Phrase<Department>>;
}

/** Whole-word, case-insensitive; letters and digits of any script count as word characters. */
function phrasePattern(phrase: string): RegExp {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu');
}

export function compileTitleDictionary(file: TitleDictionaryFile): TitleDictionary {
  return {
    seniority: file.seniority.flatMap((rule, rank) =>
      rule.match.map((p) => ({ value: rule.level, rank, pattern: phrasePattern(p) })),
    ),
    departments: file.departments.flatMap((rule, rank) =>
      rule.match.map((p) => ({ value: rule.department, rank, pattern: phrasePattern(p) })),
    ),
  };
}

const cache = new Map<string, TitleDictionary>();

/** Loads and validates a dictionary file (cached per path). A bad file throws naming the file and path. */
export function loadTitleDictionary(file: string = DEFAULT_TITLES_FILE): TitleDictionary {
  const hit = cache.get(file);
  if (hit) return hit;
  const parsed = TitleDictionarySchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const dict = compileTitleDictionary(parsed.data);
  cache.set(file, dict);
  return dict;
}

interface Match<T> {
  value: T;
  rank: number;
  start: number;
  end: number;
}

/** Applies rules 1–3 of the dictionary: find all, let longer matches hide covered ones, lowest rank wins. */
function classify<T>(title: string, phrases: Array<Phrase<T>>): T | null {
  const matches: Array<Match<T>> = [];
  for (const p of phrases) {
    p.pattern.lastIndex = 0;
    for (const m of title.matchAll(p.pattern)) {
      matches.push({ value: p.value, rank: p.rank, start: m.index, end: m.index + m[0].length });
    }
  }
  const visible = matches.filter(
    (m) => !matches.some((o) => o !== m && o.start <= m.start && o.end >= m.end && o.end - o.start > m.end - m.start),
  );
  if (visible.length === 0) return null;
  return visible.reduce((best, m) => (m.rank < best.rank || (m.rank === best.rank && m.start < best.start) ? m : best)).value;
}

export function titleSeniority(raw: unknown, dict: TitleDictionary = loadTitleDictionary()): Seniority | null {
  const title = cleanText(raw);
  if (title === null) return null;
  return classify(title, dict.seniority) ?? 'other';
}

export function titleDepartment(raw: unknown, dict: TitleDictionary = loadTitleDictionary()): Department | null {
  const title = cleanText(raw);
  if (title === null) return null;
  return classify(title, dict.departments) ?? 'other';
}
