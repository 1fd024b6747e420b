import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { loadTitleDictionary } from '../canonical/job-title.js';
import { MappingError } from './mapping-error.js';
import { MappingSpecSchema, crossCheckMapping, type CompiledClassifier, type Mapping } from './mapping.schema.js';

type PathKey = string | number;

const formatPath = (path: readonly PathKey[]) =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? key : `${out}.${key}`), '');

/**
 * The 1-based line of the deepest node on `path` that exists. For the last key of a map the key
 * itself is pointed at, which is where an unknown (misspelt) key lives.
 */
function lineOf(doc: Document, lines: LineCounter, path: readonly PathKey[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (depth > 0) {
      const parent = depth === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(prefix[depth - 1]));
        if (pair && isScalar(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
      }
    }
    const node = depth === 0 ? doc.contents : doc.getIn(prefix, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}

/**
 * Parses and validates mapping text. `file` names the source in errors and anchors relative paths
 * (the `titles` dictionary). Throws MappingError with the file, line, path and what was expected;
 * the first problem is thrown, and the message lists every other one too.
 */
export function parseMapping(text: string, file = '<inline>'): Mapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new MappingError({ file, line: lines.linePos(e.pos[0]).line, path: '', expected: `valid YAML (${e.message.split('\n')[0]})` });
  }

  const parsed = MappingSpecSchema.safeParse(doc.toJS());
  const problems = parsed.success
    ? crossCheckMapping(parsed.data)
    : parsed.error.issues.map((issue) => {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const path = (keys.length > 0 ? [...issue.path, keys[0]] : issue.path) as PathKey[];
        return { path, message: issue.message };
      });
  if (!parsed.success || problems.length > 0) {
    const located = problems.map((p) => ({ ...p, line: lineOf(doc, lines, p.path) })).sort((a, b) => a.line - b.line);
    const [first, ...rest] = located;
    const more = rest.map((p) => `\n  ${file}:${p.line}: ${formatPath(p.path) || '(top level)'}: ${p.message}`).join('');
    throw new MappingError({ file, line: first.line, path: formatPath(first.path), expected: first.message + more });
  }
  const spec = parsed.data;

  let titles;
  try {
    titles = spec.titles ? loadTitleDictionary(resolve(dirname(file), spec.titles)) : loadTitleDictionary();
  } catch (err) {
    throw new MappingError({ file, line: lineOf(doc, lines, ['titles']), path: 'titles', expected: `a readable title dictionary (${(err as Error).message})` });
  }

  const classifiers: Record<string, CompiledClassifier> = {};
  for (const [name, c] of Object.entries(spec.classifiers ?? {})) {
    classifiers[name] = { rules: c.rules.map((r) => ({ pattern: new RegExp(r.match, 'i'), type: r.type })), otherwise: c.otherwise };
  }

  return { file, system: spec.system, objectType: spec.objectType, spec, outbound: spec.outbound ?? null, titles, classifiers };
}

/** Reads, validates and compiles a mapping file (a relative path is taken from the working directory). */
export function loadMapping(file: string): Mapping {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MappingError({ file, path: '', expected: `a readable mapping file (${(err as Error).message})` });
  }
  return parseMapping(text, file);
}
