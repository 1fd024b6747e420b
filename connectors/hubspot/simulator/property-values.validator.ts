import type { PropertyDefinition } from './contact-properties.catalog.js';
import type { PropertyValidationResult } from './hubspot-error.bodies.js';

/**
 * Validates and normalises one written value the way HubSpot does: "" always clears,
 * enumerations accept only their option values (";"-separated for checkboxes), numbers must
 * parse, datetimes take ms-epoch or ISO-8601 and are stored as ISO strings.
 */

export type ValueCheck = { ok: true; value: string } | { ok: false; result: PropertyValidationResult };

function fail(def: { name: string }, error: string, message: string, portalId: number): ValueCheck {
  return { ok: false, result: { isValid: false, message, error, name: def.name, localizedErrorMessage: message, portalId } };
}

/** HubSpot lists the allowed options in protobuf text form inside INVALID_OPTION messages. */
function describeOptions(def: PropertyDefinition): string {
  return `[${def.options
    .map((o) => `label: "${o.label}"\nvalue: "${o.value}"\ndisplay_order: ${o.displayOrder}\nhidden: ${o.hidden}\nread_only: false\n`)
    .join(', ')}]`;
}

/** ms-epoch or ISO-8601 → epoch ms, or null when neither. */
export function parseTimestamp(raw: string): number | null {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return null;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : t;
}

export function missingProperty(name: string, portalId: number): PropertyValidationResult {
  const message = `Property "${name}" does not exist`;
  return { isValid: false, message, error: 'PROPERTY_DOESNT_EXIST', name, localizedErrorMessage: message, portalId };
}

export function checkValue(def: PropertyDefinition | undefined, name: string, raw: unknown, portalId: number): ValueCheck {
  if (!def || def.archived) return { ok: false, result: missingProperty(name, portalId) };
  if (def.readOnlyValue) return fail(def, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`, portalId);
  const value = raw === null || raw === undefined ? '' : String(raw);
  if (value === '') return { ok: true, value: '' };
  switch (def.type) {
    case 'enumeration': {
      const allowed = new Set(def.options.map((o) => o.value));
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.find((p) => !allowed.has(p));
      if (bad !== undefined) return fail(def, 'INVALID_OPTION', `${bad} was not one of the allowed options: ${describeOptions(def)}`, portalId);
      return { ok: true, value };
    }
    case 'bool':
      if (value !== 'true' && value !== 'false') return fail(def, 'INVALID_BOOLEAN', `${value} is not a valid boolean value; expected true or false`, portalId);
      return { ok: true, value };
    case 'number':
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return fail(def, 'INVALID_DECIMAL', `${value} is not a valid number`, portalId);
      return { ok: true, value: value.trim() };
    case 'date':
    case 'datetime': {
      const t = parseTimestamp(value);
      if (t === null) return fail(def, 'INVALID_DATE', `${value} is not a valid date; use an ISO-8601 string or milliseconds since epoch`, portalId);
      if (def.type === 'date' && t % 86_400_000 !== 0) {
        return fail(def, 'INVALID_DATE', `${value} is not midnight UTC; date properties only hold whole days`, portalId);
      }
      const iso = new Date(t).toISOString();
      return { ok: true, value: def.type === 'date' ? iso.slice(0, 10) : iso };
    }
    default:
      if (value.length > 65_536) return fail(def, 'INVALID_STRING', `${name} is longer than 65536 characters`, portalId);
      return { ok: true, value };
  }
}
