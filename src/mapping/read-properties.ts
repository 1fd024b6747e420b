import type { Mapping, MappingSpec } from './mapping.schema.js';
import { pathList } from './record-paths.js';

/** Every path into the raw record the mapping reads (fields, stage, events, record id and time). */
export function readPaths(spec: MappingSpec): string[] {
  const paths: string[] = [];
  const add = (p: string | string[] | undefined) => {
    if (p !== undefined) paths.push(...pathList(p));
  };
  add(spec.record.id);
  add(spec.record.updatedAt);
  for (const p of spec.record.required ?? []) add(p);
  const groups = [spec.person, spec.company, spec.bant, spec.consent, spec.attributes];
  add(spec.email?.from);
  for (const group of groups) for (const field of Object.values(group ?? {})) add(field?.from);
  if (spec.stage) {
    add(spec.stage.from);
    for (const r of spec.stage.rules ?? []) add(r.when.from);
  }
  for (const e of spec.events ?? []) {
    if (e.kind === 'history') {
      add(e.fallback?.name);
      add(e.fallback?.at);
    } else if (e.kind === 'single') {
      add(e.name);
      add(e.at);
      add(e.if);
    } else if (e.kind === 'counter') {
      add(e.from);
      add(e.at);
    } else {
      add(e.from);
    }
  }
  return [...new Set(paths)];
}

/**
 * The source properties the mapping reads, so a connector can request exactly those (HubSpot's
 * `properties=` parameter). For JSON records these are the keys read under `record.properties`;
 * for CSV rows, the column names.
 */
export function readProperties(mapping: Mapping): string[] {
  const { format, properties } = mapping.spec.record;
  const paths = readPaths(mapping.spec);
  if (format === 'csv') return [...new Set(paths)].sort();
  if (!properties) return [...new Set(paths.map((p) => p.split('.')[0]))].sort();
  const prefix = `${properties}.`;
  return [...new Set(paths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('.')[0]))].sort();
}

/** The properties whose history the mapping reads (HubSpot's `propertiesWithHistory=`). */
export function historyProperties(mapping: Mapping): string[] {
  const names = (mapping.spec.events ?? []).flatMap((e) => (e.kind === 'history' ? [e.property] : []));
  return [...new Set(names)].sort();
}
