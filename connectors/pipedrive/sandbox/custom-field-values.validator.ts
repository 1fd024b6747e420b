import type { PersonField } from './person-fields.catalog.js';

/**
 * Checks a v2 `custom_fields` value against its field's type, the way API v2's "stricter data
 * typing" does: single options take the option id as a number, multiple options a non-empty array
 * of ids (the spec: "sending an empty array [] is not supported", clear with null), numbers are
 * numbers, dates YYYY-MM-DD. Returns a problem ("<path>: <message>") or null when the value is fine.
 */

export type CustomValue = string | number | number[] | Record<string, unknown> | null;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2})?$/;

function validDate(v: unknown): boolean {
  return typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

export function checkCustomValue(field: PersonField, value: unknown): string | null {
  const at = `custom_fields.${field.key}`;
  if (value === null) return null;
  const optionIds = new Set((field.options ?? []).map((o) => o.id));
  switch (field.field_type) {
    case 'varchar':
    case 'varchar_auto':
    case 'phone':
      if (typeof value !== 'string') return `${at}: Expected 'string' as value for ${field.field_type} custom field`;
      return value.length > 255 ? `${at}: Value must be at most 255 characters` : null;
    case 'text':
      if (typeof value !== 'string') return `${at}: Expected 'string' as value for text custom field`;
      return value.length > 65_535 ? `${at}: Value must be at most 65535 characters` : null;
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? null : `${at}: Expected 'number' as value for numeric custom field`;
    case 'enum':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${at}: Expected 'number' as value for single option custom field`;
      return optionIds.has(value) ? null : `${at}: Option ${value} does not exist for this field`;
    case 'set': {
      if (!Array.isArray(value) || value.length === 0) return `${at}: Expected a non-empty array of option ids for multiple option custom field`;
      const bad = value.find((v) => typeof v !== 'number' || !optionIds.has(v));
      return bad === undefined ? null : `${at}: Option ${String(bad)} does not exist for this field`;
    }
    case 'date':
      return validDate(value) ? null : `${at}: Expected a date in YYYY-MM-DD format`;
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? null : `${at}: Expected a time in HH:MM:SS format`;
    case 'org':
    case 'people':
    case 'user':
      return typeof value === 'number' && Number.isInteger(value) && value > 0 ? null : `${at}: Expected 'number' as id value`;
    case 'monetary': {
      const m = value as { value?: unknown; currency?: unknown };
      return typeof value === 'object' && typeof m.value === 'number' && typeof m.currency === 'string'
        ? null : `${at}: Expected an object { value: number, currency: string }`;
    }
    case 'daterange': {
      const r = value as { start?: unknown; end?: unknown };
      return typeof value === 'object' && validDate(r.start) && validDate(r.end) ? null : `${at}: Expected an object { start, end } of YYYY-MM-DD dates`;
    }
    case 'timerange': {
      const r = value as { start?: unknown; end?: unknown };
      return typeof value === 'object' && typeof r.start === 'string' && TIME.test(r.start) && typeof r.end === 'string' && TIME.test(r.end)
        ? null : `${at}: Expected an object { start, end } of HH:MM:SS times`;
    }
    case 'address':
      return typeof value === 'string' || (typeof value === 'object' && typeof (value as { value?: unknown }).value === 'string')
        ? null : `${at}: Expected an address object with a 'value' string`;
    default:
      return null;
  }
}
