/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written from the
 * format's description so the tests check /metrics against the format rather than against
 * prom-client's own output: HELP and TYPE lines, samples `name{label="value",...} value`,
 * escaped label values, and every sample belonging to a declared family. Any other line throws,
 * naming its line number.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''] };

/** Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(raw: string, line: number): number {
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${line}: "${raw}" is not a sample value`);
  return Number(raw);
}

function parseLabels(raw: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = new RegExp(`\\s*(${NAME})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"\\s*(,|$)`, 'y');
  let at = 0;
  while (at < raw.length) {
    re.lastIndex = at;
    const m = re.exec(raw);
    if (!m) throw new Error(`line ${line}: bad label set {${raw}}`);
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  return labels;
}

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const family = (name: string): string | undefined => {
    if (types.has(name)) return name;
    for (const [base, type] of types) {
      if ((SUFFIXES[type] ?? []).some((s) => s && name === base + s)) return base;
    }
    return undefined;
  };
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    if (content === '') return;
    if (content.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(content);
      if (!m) throw new Error(`line ${line}: comment is neither HELP nor TYPE: ${content}`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw new Error(`line ${line}: unknown type ${m[3]}`);
        if (types.has(m[2]!)) throw new Error(`line ${line}: ${m[2]} declared twice`);
        types.set(m[2]!, m[3]!);
      }
      return;
    }
    const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`).exec(content);
    if (!m) throw new Error(`line ${line}: not a sample: ${content}`);
    if (!family(m[1]!)) throw new Error(`line ${line}: sample ${m[1]} has no TYPE line before it`);
    samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3]!, line) });
  });
  return { types, samples };
}

/** The value of one sample, matched by name and (a subset of) labels; undefined when absent. */
export function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
