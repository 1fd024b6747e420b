import { cleanScalar } from '../canonical/missing-value.js';
import type { MappedValue } from './transforms.js';

export type RecordFormat = 'json' | 'csv';

/**
 * Reads one path from a raw record. JSON paths are dot-separated ("properties.email",
 * "activities.0.id"); a CSV path is the column name as written, dots and spaces included.
 * Never throws: a path through something that isn't an object reads as undefined.
 */
export function readPath(raw: unknown, path: string, format: RecordFormat): unknown {
  if (format === 'csv') return isObject(raw) ? raw[path] : undefined;
  let node: unknown = raw;
  for (const key of segments(path)) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isObject(node)) node = Object.hasOwn(node, key) ? node[key] : undefined;
    else return undefined;
  }
  return node;
}

// A mapping reads the same few dozen paths from every record: split each once, not per read.
const SEGMENTS = new Map<string, readonly string[]>();
function segments(path: string): readonly string[] {
  let keys = SEGMENTS.get(path);
  if (!keys) {
    keys = path.split('.');
    if (SEGMENTS.size < 10_000) SEGMENTS.set(path, keys); // bounded: paths come from mapping files
  }
  return keys;
}

/** A path's value as a cleaned scalar: missing markers → null; a Date (SDK-deserialised) → ISO text. */
export function readScalar(raw: unknown, path: string, format: RecordFormat): MappedValue {
  const v = readPath(raw, path, format);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return cleanScalar(v);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function pathList(paths: string | string[]): string[] {
  return typeof paths === 'string' ? [paths] : paths;
}
