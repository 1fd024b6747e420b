import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { ScoringModelSpecSchema, crossCheck } from './scoring-model.schema.js';
import { compileScoringModel, type ScoringModel } from './scoring-model.js';

/** One problem in a model file, located for a person: file, line, column and path inside it. */
export interface ModelProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the file, e.g. "fit.rules[3].when.equals". */
  path: string;
  message: string;
}

/** A model file that cannot be used; the message lists every problem, one per line. */
export class ScoringModelError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ModelProblem[],
  ) {
    super(
      `scoring model ${file} is invalid:\n` +
        problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.path || '(top level)'}: ${p.message}`).join('\n'),
    );
    this.name = 'ScoringModelError';
  }
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');

/** Line and column of the deepest node on `path` that exists in the document (1-based). */
function locate(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth) as (string | number)[];
    // For the last key, point at the key itself when the parent is a map (unknown keys live there).
    if (depth > 0) {
      const parent = prefix.length === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(prefix[prefix.length - 1]));
        if (pair && isScalar(pair.key) && pair.key.range) {
          const pos = lines.linePos(pair.key.range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
    }
    const node = depth === 0 ? doc.contents : doc.getIn(prefix, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = lines.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

function problemsFromZod(error: ZodError, doc: Document, lines: LineCounter, file: string): ModelProblem[] {
  return error.issues.map((issue) => {
    // An unknown key is reported on its object; point at the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    return { file, ...locate(doc, lines, path), path: formatPath(path), message: issue.message };
  });
}

/**
 * Parse and validate model text, then compile it. `file` only names the source in messages.
 * Throws ScoringModelError naming file, line, path and what was expected.
 */
export function parseScoringModel(text: string, file = '<inline>'): ScoringModel {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScoringModelError(
      file,
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const parsed = ScoringModelSpecSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ScoringModelError(file, problemsFromZod(parsed.error, doc, lines, file));
  const crossProblems = crossCheck(parsed.data);
  if (crossProblems.length > 0) {
    throw new ScoringModelError(
      file,
      crossProblems.map((p) => ({ file, ...locate(doc, lines, p.path), path: formatPath(p.path), message: p.message })),
    );
  }
  return compileScoringModel(parsed.data, file);
}

/** Read, validate and compile a model file (a relative path is taken from the current directory). */
export function loadScoringModelFile(file: string): ScoringModel {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScoringModelError(file, [
      { file, line: 0, column: 0, path: '', message: `cannot read the file: ${(error as Error).message}` },
    ]);
  }
  return parseScoringModel(text, file);
}
