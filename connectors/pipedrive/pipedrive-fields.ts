import type { Mapping } from '../../src/kit/index.js';
import type { PipedriveClient } from './pipedrive-client.js';
import { PersonFieldListSchema, type PersonField } from './provider.schema.js';

/**
 * Pipedrive names custom fields by 40-character hash keys, different in every company. The
 * mapping names fields by their display name; this catalog (GET /v1/personFields, 20 tokens,
 * kept for ten minutes) translates names to keys for writes and keys to names for reads, and
 * option ids to labels and back. No key is ever written down in qualify.
 */

const CATALOG_TTL_MS = 10 * 60_000;

export class FieldCatalog {
  private fields: PersonField[] | null = null;
  private loadedAt = 0;
  private loading: Promise<PersonField[]> | null = null;

  constructor(private readonly client: PipedriveClient, private readonly now: () => number = Date.now) {}

  /** Every person field, read again when older than ten minutes or when `refresh` asks. */
  async all(opts: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<PersonField[]> {
    if (!opts.refresh && this.fields && this.now() - this.loadedAt < CATALOG_TTL_MS) return this.fields;
    this.loading ??= this.load(opts.signal).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(signal?: AbortSignal): Promise<PersonField[]> {
    const out: PersonField[] = [];
    for (let start = 0; ; ) {
      const page = await this.client.call('list person fields', 'GET', 'api/v1/personFields', PersonFieldListSchema, { query: { start, limit: 500 }, signal });
      out.push(...page.data);
      const p = page.additional_data?.pagination;
      if (!p?.more_items_in_collection || p.next_start === undefined) break;
      start = p.next_start;
    }
    this.fields = out;
    this.loadedAt = this.now();
    return out;
  }

  /** Forget the catalog (a field was just created). */
  invalidate(): void {
    this.fields = null;
  }

  async byName(name: string, signal?: AbortSignal): Promise<PersonField | undefined> {
    return findByName(await this.all({ signal }), name);
  }
}

export function findByName(fields: PersonField[], name: string): PersonField | undefined {
  const n = name.trim().toLowerCase();
  // Custom fields first: a company may name one like a standard field.
  return fields.find((f) => f.edit_flag !== false && f.key.length === 40 && f.name.trim().toLowerCase() === n) ?? fields.find((f) => f.name.trim().toLowerCase() === n);
}

export const isCustom = (f: PersonField) => /^[0-9a-f]{40}$/.test(f.key);

/** A custom value as the mapping reads it: option ids as labels (a set as "a, b"), the rest as Pipedrive sends it. */
export function readableValue(field: PersonField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const label = (v: unknown) => field.options?.find((o) => o.id === Number(typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : v))?.label ?? v;
  if (field.field_type === 'enum') return label(value);
  if (field.field_type === 'set') return Array.isArray(value) ? value.map(label).join(', ') : label(value);
  if (field.field_type === 'monetary' && typeof value === 'object') return (value as { value?: unknown }).value ?? null;
  return value;
}

/** The text qualify wrote (the write ledger's form) for a value Pipedrive reports: "" for empty. */
export function ledgerText(field: PersonField, value: unknown): string {
  const v = readableValue(field, value);
  return v === null || v === undefined ? '' : String(v);
}

/**
 * qualify's text value as the v2 body wants it for this field type: numbers for double, the
 * option id for enum, null to clear. Returns an error text when the value cannot be written.
 */
export function writableValue(field: PersonField, text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (text === '') return { ok: true, value: null };
  switch (field.field_type) {
    case 'double':
    case 'monetary': {
      const n = Number(text);
      return Number.isFinite(n) ? { ok: true, value: field.field_type === 'double' ? n : { value: n, currency: 'USD' } } : { ok: false, problem: `"${text}" is not a number for the numeric field "${field.name}"` };
    }
    case 'enum': {
      const option = field.options?.find((o) => o.label.toLowerCase() === text.toLowerCase());
      return option ? { ok: true, value: option.id } : { ok: false, problem: `the single-option field "${field.name}" has no option "${text}": add it in Pipedrive (Settings → Data fields)` };
    }
    case 'varchar':
    case 'varchar_auto':
      return { ok: true, value: text.slice(0, 255) };
    default:
      return { ok: true, value: text };
  }
}

/** The custom person fields qualify owns, by the mapping's outbound names, with the type setup creates. */
export interface OwnedField {
  role: 'score' | 'fit' | 'engagement' | 'grade' | 'band' | 'segment' | 'reasons' | 'modelVersion' | 'evaluatedAt' | 'stage';
  name: string;
  fieldType: 'double' | 'varchar' | 'text' | 'enum';
  options?: string[];
}

const TYPES: Record<Exclude<OwnedField['role'], 'stage'>, OwnedField['fieldType']> = {
  score: 'double',
  fit: 'double',
  engagement: 'double',
  band: 'double',
  grade: 'varchar',
  segment: 'varchar',
  reasons: 'text',
  modelVersion: 'varchar',
  evaluatedAt: 'varchar',
};

export function ownedFields(mapping: Mapping): OwnedField[] {
  const o = mapping.outbound;
  if (!o) return [];
  const out: OwnedField[] = [];
  for (const [role, type] of Object.entries(TYPES) as Array<[Exclude<OwnedField['role'], 'stage'>, OwnedField['fieldType']]>) {
    const name = o[role];
    if (name) out.push({ role, name, fieldType: type });
  }
  if (o.stage) {
    const options = [...new Set(Object.values(o.stage.map).filter((v): v is string => !!v))];
    out.push({ role: 'stage', name: o.stage.property, fieldType: 'enum', options });
  }
  return out;
}
