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
  tokens: string[];
}

/** Phrases indexed by their first word, so matching a title costs a few map look-ups. */
export interface TitleDictionary {
  seniority: Map<string, Array<Phrase<Seniority>>>;
  departments: Map<string, Array<Phrase<Department>>>;
}

/**
 * Words of a title or phrase: lower-case runs of letters, digits and "&" (so "R&D" and "FP&A" stay
 * one word). Matching whole words is what keeps "VP" out of "MVP" and "IT" out of "Hitman".
 */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}&]+/gu) ?? [];
}

function index<T>(rules: Array<{ value: T; match: string[] }>): Map<string, Array<Phrase<T>>> {
  const byFirst = new Map<string, Array<Phrase<T>>>();
  rules.forEach((rule, rank) => {
    for (const phrase of rule.match) {
      const tokens = words(phrase);
      if (tokens.length === 0) continue;
      const list = byFirst.get(tokens[0]) ?? [];
      list.push({ value: rule.value, rank, tokens });
      byFirst.set(tokens[0], list);
    }
  });
  return byFirst;
}

export function compileTitleDictionary(file: TitleDictionaryFile): TitleDictionary {
  return {
    seniority: index(file.seniority.map((r) => ({ value: r.level, match: r.match }))),
    departments: index(file.departments.map((r) => ({ value: r.department, match: r.match }))),
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
function classify<T>(title: string, phrases: Map<string, Array<Phrase<T>>>): T | null {
  const tokens = words(title);
  const matches: Array<Match<T>> = [];
  tokens.forEach((token, start) => {
    for (const p of phrases.get(token) ?? []) {
      if (p.tokens.every((t, i) => tokens[start + i] === t)) {
        matches.push({ value: p.value, rank: p.rank, start, end: start + p.tokens.length });
      }
    }
  });
  const visible = matches.filter(
    (m) => !matches.some((o) => o.start <= m.start && o.end >= m.end && o.end - o.start > m.end - m.start),
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
