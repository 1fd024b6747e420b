import { z } from 'zod';
import { DepartmentSchema, LeadSchema, SenioritySchema, StageSchema, emptyLead, type BantSignal, type EngagementEvent, type Lead, type SourceSystem } from '../canonical/lead.schema.js';
import { companyDomain } from '../canonical/company-domain.js';
import { cleanText } from '../canonical/missing-value.js';
import { normalizeCountry } from '../canonical/normalize-country.js';
import { normalizeEmail } from '../canonical/normalize-email.js';
import { parseBoolean, parseDate, parseNumber } from '../canonical/parse-number.js';
import { MappingError } from './mapping-error.js';
import type { EventSpec, FieldSpec, Mapping, PathsSpec } from './mapping.schema.js';
import { isObject, pathList, readPath, readScalar, type RecordFormat } from './record-paths.js';
import { applyTransforms, type MappedValue } from './transforms.js';

export { historyProperties, readProperties } from './read-properties.js';
export { outboundProperties } from './outbound-properties.js';

export interface MappedRecord {
  recordId: string;
  lead: Lead;
  sourceUpdatedAt: string | null;
}

/** A CSV row as the reader yields it: every column a string. */
const CsvRowSchema = z.record(z.string(), z.string());

/**
 * Maps one raw source record into a canonical lead, as the mapping file says. Odd values never
 * crash: a value that can't be read becomes missing. A record that can't be mapped at all (not an
 * object, a CSV row with non-text cells, no id, a required value missing) throws a MappingError
 * naming the record, the field and what was expected.
 */
export function mapRecord(mapping: Mapping, raw: unknown, opts: { system?: SourceSystem } = {}): MappedRecord {
  const system = opts.system ?? mapping.system;
  const { spec } = mapping;
  const format = spec.record.format;
  const what = `${system} ${mapping.objectType}`;
  const fail = (path: string, expected: string, recordId?: string): never => {
    throw new MappingError({ file: mapping.file, path, expected, source: recordId ? `${what} ${recordId}` : what });
  };

  if (format === 'csv') {
    const row = CsvRowSchema.safeParse(raw);
    if (!row.success) {
      const issue = row.error.issues[0];
      fail(issue.path.map(String).join('.'), `a CSV row of text cells (${issue.message})`);
    }
  } else if (!isObject(raw)) {
    fail('', `a ${mapping.objectType} object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }

  const ctx = { mapping, raw, format, system };
  const recordId = resolveField(ctx, { from: spec.record.id }).value;
  if (recordId === null) fail(pathList(spec.record.id).join(' | '), 'a record id');
  const id = String(recordId);
  for (const path of spec.record.required ?? []) {
    if (readScalar(raw, path, format) === null && !isObject(readPath(raw, path, format))) fail(path, 'a value (required by the mapping)', id);
  }
  if (format === 'json') {
    for (const [key, path] of [['properties', spec.record.properties], ['history', spec.record.history]] as const) {
      const v = path === undefined ? undefined : readPath(raw, path, format);
      if (path !== undefined && v !== undefined && v !== null && !isObject(v)) fail(path, `an object of ${key === 'history' ? 'property histories' : 'properties'}`, id);
    }
  }

  const lead = emptyLead();
  lead.ids[system] = id;
  const sourceUpdatedAt = spec.record.updatedAt ? firstDate(ctx, spec.record.updatedAt) : null;
  lead.sourceUpdatedAt = sourceUpdatedAt;

  if (spec.email) {
    const e = normalizeEmail(resolveField(ctx, spec.email).value);
    lead.email = e.email;
    lead.emailValid = e.valid;
    lead.emailFreeMail = e.freeMail;
    lead.emailDisposable = e.disposable;
  }

  const p = spec.person ?? {};
  lead.person.firstName = text(ctx, p.firstName);
  lead.person.lastName = text(ctx, p.lastName);
  lead.person.jobTitle = text(ctx, p.jobTitle);
  lead.person.seniority = oneOf(SenioritySchema, text(ctx, p.seniority));
  lead.person.department = oneOf(DepartmentSchema, text(ctx, p.department));

  const c = spec.company ?? {};
  lead.company.name = text(ctx, c.name);
  lead.company.domain = c.domain ? companyDomain(resolveField(ctx, c.domain).value) : null;
  lead.company.employees = nonNegative(ctx, c.employees);
  lead.company.industry = text(ctx, c.industry);
  lead.company.annualRevenue = nonNegative(ctx, c.annualRevenue);
  lead.company.country = c.country ? normalizeCountry(resolveField(ctx, c.country).value) : null;

  for (const key of ['budget', 'authority', 'need', 'timeline'] as const) lead.bant[key] = bant(ctx, spec.bant?.[key]);

  for (const key of ['optedOut', 'bounced', 'doNotCall'] as const) {
    const field = spec.consent?.[key];
    lead.consent[key] = field ? parseBoolean(resolveField(ctx, field).value) === true : false;
  }

  for (const [name, field] of Object.entries(spec.attributes ?? {})) lead.attributes[name] = resolveField(ctx, field).value;

  const stage = mapStage(ctx);
  if (stage) lead.stages[system] = stage;

  lead.events = extractEvents(ctx, id);

  const checked = LeadSchema.safeParse(lead);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    fail(`lead.${issue.path.join('.')}`, `a canonical value (${issue.message})`, id);
  }
  return { recordId: id, lead, sourceUpdatedAt };
}

interface Ctx {
  mapping: Mapping;
  raw: unknown;
  format: RecordFormat;
  system: SourceSystem;
}

/**
 * Reads a field: each `from` path in turn is read, cleaned (missing markers → null), transformed
 * and value-mapped; the first that yields a value wins. Returns the path that produced it.
 */
function resolveField(ctx: Ctx, field: Pick<FieldSpec, 'from'> & Partial<FieldSpec>): { value: MappedValue; path: string | null } {
  for (const path of pathList(field.from)) {
    let v = applyTransforms(readScalar(ctx.raw, path, ctx.format), field.transform, ctx.mapping);
    if (v !== null && field.map) v = lookup(field.map, v, field.unmapped ?? 'keep');
    if (v !== null) return { value: v, path };
  }
  return { value: null, path: null };
}

/** Value map: exact key first, then case-insensitive, so "Google" and "google" can map alike. */
function lookup<V>(map: Record<string, V>, value: MappedValue, unmapped: 'keep' | 'missing'): V | MappedValue {
  const key = String(value);
  if (Object.hasOwn(map, key)) return map[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.toLowerCase() === lower) return v;
  return unmapped === 'keep' ? value : null;
}

function text(ctx: Ctx, field: FieldSpec | undefined): string | null {
  return field ? cleanText(resolveField(ctx, field).value) : null;
}

function oneOf<T extends string>(schema: z.ZodType<T>, value: string | null): T | null {
  const r = schema.safeParse(value);
  return r.success ? r.data : null;
}

function nonNegative(ctx: Ctx, field: FieldSpec | undefined): number | null {
  if (!field) return null;
  const n = parseNumber(resolveField(ctx, field).value);
  return n !== null && n >= 0 ? n : null;
}

/**
 * A BANT signal keeps where it came from: "hubspot:budget" (the property name, not the full path).
 * A plain "no" (false, "no", "false", 0) is not a signal: a lead without budget *lacks* the signal,
 * and a scoring rule that counts known signals must not count it. A plain "yes" becomes true;
 * other answers ("50k-100k", "within 3 months") are kept as given.
 */
function bant(ctx: Ctx, field: FieldSpec | undefined): BantSignal | null {
  if (!field) return null;
  const { value, path } = resolveField(ctx, field);
  if (value === null || path === null) return null;
  const answer = yesNo(value);
  if (answer === false) return null;
  return { value: answer ?? value, source: `${ctx.system}:${propertyName(ctx, path)}` };
}

function yesNo(value: string | number | boolean): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 0 ? false : null;
  const t = value.toLowerCase();
  if (['yes', 'y', 'true'].includes(t)) return true;
  if (['no', 'n', 'false', '0'].includes(t)) return false;
  return null;
}

function propertyName(ctx: Ctx, path: string): string {
  const prefix = ctx.mapping.spec.record.properties;
  return prefix && path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
}

function firstDate(ctx: Ctx, paths: PathsSpec): string | null {
  for (const path of pathList(paths)) {
    const d = parseDate(readScalar(ctx.raw, path, ctx.format));
    if (d !== null) return d;
  }
  return null;
}

/**
 * Stage rules first (e.g. lead status UNQUALIFIED → disqualified), else the stage field's value map.
 * `raw` is always the stage field's own value ("" when empty), even when a rule decided: the
 * write-back compares against it (HubSpot's forward-only lifecyclestage), and the rule's field
 * can be kept as an attribute for audit.
 */
function mapStage(ctx: Ctx): { stage: z.infer<typeof StageSchema> | null; raw: string } | null {
  const spec = ctx.mapping.spec.stage;
  if (!spec) return null;
  const raw = cleanText(resolveField(ctx, { from: spec.from }).value);
  const mapped = raw === null ? null : (lookup(spec.map, raw, 'missing') as z.infer<typeof StageSchema> | null);
  for (const rule of spec.rules ?? []) {
    const value = cleanText(resolveField(ctx, { from: rule.when.from }).value);
    if (value === null || !rule.when.in.some((v) => v.toLowerCase() === value.toLowerCase())) continue;
    if (mapped !== null && rule.unless?.includes(mapped)) continue;
    return { stage: rule.stage, raw: raw ?? '' };
  }
  return raw === null ? null : { stage: mapped, raw };
}

function classify(ctx: Ctx, spec: { type?: EngagementEvent['type']; classify?: string }, name: string | null): EngagementEvent['type'] | null {
  if (spec.type) return spec.type;
  const c = ctx.mapping.classifiers[spec.classify ?? ''];
  if (!c || name === null) return null;
  for (const rule of c.rules) if (rule.pattern.test(name)) return rule.type;
  return c.otherwise === 'skip' ? null : c.otherwise;
}

function eventTime(ctx: Ctx, at: PathsSpec | undefined): string | null {
  return (at ? firstDate(ctx, at) : null) ?? parseDate(ctx.mapping.spec.defaultTime ?? null);
}

const HistoryEntrySchema = z.object({ value: z.unknown(), timestamp: z.unknown() });

function historyOf(ctx: Ctx, property: string): Array<{ value: unknown; timestamp: unknown }> | null {
  const where = ctx.mapping.spec.record.history;
  if (!where) return null;
  const all = readPath(ctx.raw, where, ctx.format);
  if (!isObject(all) || !Array.isArray(all[property])) return null;
  return all[property].flatMap((entry) => {
    const r = HistoryEntrySchema.safeParse(entry);
    return r.success ? [r.data] : [];
  });
}

function toIso(v: unknown): string | null {
  return v instanceof Date ? (Number.isNaN(v.getTime()) ? null : v.toISOString()) : parseDate(v);
}

function extractEvents(ctx: Ctx, recordId: string): EngagementEvent[] {
  const events = new Map<string, EngagementEvent>();
  const add = (e: EngagementEvent) => {
    if (!events.has(e.sourceId)) events.set(e.sourceId, e);
  };
  const occurrence = (spec: EventSpec, type: EngagementEvent['type'], at: string, name: string | null) =>
    add({ type, at, source: ctx.system, sourceId: `${recordId}:${spec.id}:${Date.parse(at)}`, ...(name !== null && { name }) });

  for (const spec of ctx.mapping.spec.events ?? []) {
    if (spec.kind === 'history') {
      const history = historyOf(ctx, spec.property);
      if (history && history.length > 0) {
        for (const entry of history) {
          const name = cleanText(entry.value instanceof Date ? null : entry.value);
          const at = toIso(entry.timestamp);
          const type = classify(ctx, spec, name);
          if (name !== null && at !== null && type !== null) occurrence(spec, type, at, name);
        }
      } else if (spec.fallback) {
        const name = cleanText(resolveField(ctx, { from: spec.fallback.name }).value);
        const at = firstDate(ctx, spec.fallback.at);
        const type = classify(ctx, spec, name);
        if (name !== null && at !== null && type !== null) occurrence(spec, type, at, name);
      }
    } else if (spec.kind === 'single') {
      if (spec.if !== undefined && parseBoolean(resolveField(ctx, { from: spec.if }).value) !== true) continue;
      if (spec.unlessHistory !== undefined && (historyOf(ctx, spec.unlessHistory)?.length ?? 0) > 0) continue;
      const name = spec.name !== undefined ? cleanText(resolveField(ctx, { from: spec.name }).value) : (spec.label ?? null);
      if (spec.name !== undefined && name === null) continue;
      const at = eventTime(ctx, spec.at);
      const type = classify(ctx, spec, name);
      if (at !== null && type !== null) occurrence(spec, type, at, name);
    } else if (spec.kind === 'counter') {
      const n = parseNumber(resolveField(ctx, { from: spec.from }).value);
      const count = n === null ? 0 : Math.round(n);
      const at = eventTime(ctx, spec.at);
      if (count < 1 || at === null) continue;
      // One event per record and counter, re-read with the new count: the sourceId never changes.
      add({ type: spec.type, at, source: ctx.system, sourceId: `${recordId}:${spec.id}`, count, ...(spec.label !== undefined && { name: spec.label }) });
    } else {
      const items = readPath(ctx.raw, spec.from, ctx.format);
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        if (!isObject(item)) continue;
        const itemId = cleanText(readScalar(item, spec.itemId, 'json'));
        const at = toIso(readPath(item, spec.at, 'json'));
        const name = spec.name ? cleanText(readScalar(item, spec.name, 'json')) : null;
        const on = spec.classifyOn ? cleanText(readScalar(item, spec.classifyOn, 'json')) : name;
        const type = classify(ctx, spec, on);
        if (itemId === null || at === null || type === null) continue;
        add({ type, at, source: ctx.system, sourceId: `${spec.id}:${itemId}`, ...(name !== null && { name }) });
      }
    }
  }
  // Each time parsed once, not twice per comparison.
  const timed = [...events.values()].map((e) => ({ e, t: Date.parse(e.at) }));
  timed.sort((a, b) => a.t - b.t || (a.e.sourceId < b.e.sourceId ? -1 : a.e.sourceId > b.e.sourceId ? 1 : 0));
  return timed.map((x) => x.e);
}
