import { z } from 'zod';
import { PayloadError } from '../../src/kit/index.js';
import type { Mapping, OutboundSpec } from '../../src/kit/index.js';
import type { SalesforceSession } from './salesforce-auth.js';

/**
 * What qualify needs to know about the org's Lead and Contact objects (`sobjects/{T}/describe`):
 * which fields exist (so queries select only those and writes go only to those), their types and
 * lengths (so values are sent typed and never too long), and the Lead Status picklist (so the
 * stage mapping is checked against the org's own values at setup, not discovered at write time).
 */

export const DescribeFieldSchema = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  type: z.string(),
  length: z.number().optional(),
  precision: z.number().optional(),
  scale: z.number().optional(),
  updateable: z.boolean().optional(),
  restrictedPicklist: z.boolean().optional(),
  relationshipName: z.string().nullable().optional(),
  picklistValues: z.array(z.looseObject({ value: z.string(), active: z.boolean().optional(), label: z.string().nullable().optional() })).optional(),
});
export type DescribeField = z.infer<typeof DescribeFieldSchema>;

export const DescribeResultSchema = z.looseObject({ name: z.string(), fields: z.array(DescribeFieldSchema) });
export type DescribeResult = z.infer<typeof DescribeResultSchema>;

export const WRITE_OBJECTS = ['Lead', 'Contact'] as const;
export type WriteObject = (typeof WRITE_OBJECTS)[number];

/** Key prefixes of the objects qualify reads and writes: the id tells the object. */
export function objectOfId(id: string): WriteObject | null {
  if (id.startsWith('00Q')) return 'Lead';
  if (id.startsWith('003')) return 'Contact';
  return null;
}

export class ObjectInfo {
  private readonly byName = new Map<string, DescribeField>();
  private readonly relationships = new Set<string>();

  constructor(readonly result: DescribeResult) {
    for (const f of result.fields) {
      this.byName.set(f.name.toLowerCase(), f);
      if (f.relationshipName) this.relationships.add(f.relationshipName.toLowerCase());
    }
  }

  field(name: string): DescribeField | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** A path the mapping reads is selectable here: a field, or Relationship.Field on a known relationship. */
  selectable(path: string): boolean {
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)?$/.test(path)) return false; // only plain API names reach the SOQL text
    const parts = path.split('.');
    if (parts.length === 1) return this.byName.has(path.toLowerCase());
    return parts.length === 2 && this.relationships.has(parts[0]!.toLowerCase());
  }

  activePicklistValues(field: string): string[] {
    return (this.field(field)?.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value);
  }
}

/**
 * Describes are cached per connector instance: field metadata changes rarely and each describe is
 * an API call. Entries expire after `ttlMs` (default 10 min), so a field an admin creates is seen
 * without a restart.
 */
export class DescribeCache {
  private readonly cache = new Map<string, { at: number; info: Promise<ObjectInfo> }>();
  constructor(
    private readonly session: SalesforceSession,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  get(type: string): Promise<ObjectInfo> {
    const hit = this.cache.get(type);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.info;
    const info = this.session.run(`describe ${type}`, async (conn) => {
      const raw = await conn.request(`/sobjects/${encodeURIComponent(type)}/describe`);
      const parsed = DescribeResultSchema.safeParse(raw);
      if (!parsed.success) throw new PayloadError('salesforce', `Salesforce describe ${type} answered an unexpected shape: ${parsed.error.issues[0]?.message}`);
      return new ObjectInfo(parsed.data);
    });
    info.catch(() => this.cache.delete(type));
    this.cache.set(type, { at: Date.now(), info });
    return info;
  }

  clear(): void {
    this.cache.clear();
  }
}

/** What a Salesforce admin needs to create a missing custom field (Setup → Object Manager → Fields). */
export interface FieldRequirement {
  role: keyof Omit<OutboundSpec, 'stage'>;
  apiName: string;
  label: string;
  /** Salesforce field type as Setup names it, plus the API type describe reports for it. */
  setupType: 'Number' | 'Text' | 'Long Text Area' | 'Date/Time';
  apiTypes: string[];
  length?: number;
  precision?: number;
  scale?: number;
}

const ROLE_METADATA: Record<FieldRequirement['role'], Omit<FieldRequirement, 'role' | 'apiName'>> = {
  score: { label: 'Qualify Score', setupType: 'Number', apiTypes: ['double', 'int', 'percent'], precision: 3, scale: 0 },
  fit: { label: 'Qualify Fit', setupType: 'Number', apiTypes: ['double', 'int', 'percent'], precision: 3, scale: 0 },
  engagement: { label: 'Qualify Engagement', setupType: 'Number', apiTypes: ['double', 'int', 'percent'], precision: 3, scale: 0 },
  band: { label: 'Qualify Band', setupType: 'Number', apiTypes: ['double', 'int'], precision: 2, scale: 0 },
  grade: { label: 'Qualify Grade', setupType: 'Text', apiTypes: ['string', 'picklist'], length: 2 },
  segment: { label: 'Qualify Segment', setupType: 'Text', apiTypes: ['string', 'picklist'], length: 80 },
  reasons: { label: 'Qualify Reasons', setupType: 'Long Text Area', apiTypes: ['textarea', 'string'], length: 32768 },
  modelVersion: { label: 'Qualify Model Version', setupType: 'Text', apiTypes: ['string'], length: 40 },
  evaluatedAt: { label: 'Qualify Evaluated At', setupType: 'Date/Time', apiTypes: ['datetime', 'string'] },
};

export function fieldRequirements(outbound: OutboundSpec | null): FieldRequirement[] {
  if (!outbound) return [];
  return (Object.keys(ROLE_METADATA) as Array<FieldRequirement['role']>).flatMap((role) => {
    const apiName = outbound[role];
    return typeof apiName === 'string' ? [{ role, apiName, ...ROLE_METADATA[role] }] : [];
  });
}

export interface SetupProblem {
  object: WriteObject;
  field: string;
  problem: 'missing' | 'wrong_type' | 'not_updateable' | 'picklist_value';
  detail: string;
}

function describeRequirement(r: FieldRequirement): string {
  const size =
    r.setupType === 'Number' ? `length ${r.precision! - (r.scale ?? 0)}, ${r.scale ?? 0} decimal places` : r.length ? `length ${r.length}` : '';
  return `create it as "${r.label}" (API name ${r.apiName}), type ${r.setupType}${size ? `, ${size}` : ''}`;
}

/**
 * Compares the mapping's outbound section with the org: every custom field on both Lead and
 * Contact (a converted lead is written on its Contact), and every stage value in the Lead Status
 * picklist. Returns every problem, each with what to do about it.
 */
export function checkOutboundSetup(mapping: Mapping, objects: Record<WriteObject, ObjectInfo>): SetupProblem[] {
  const problems: SetupProblem[] = [];
  for (const object of WRITE_OBJECTS) {
    const info = objects[object];
    for (const r of fieldRequirements(mapping.outbound)) {
      const f = info.field(r.apiName);
      if (!f) problems.push({ object, field: r.apiName, problem: 'missing', detail: `${object}.${r.apiName} is missing: ${describeRequirement(r)}` });
      else if (!r.apiTypes.includes(f.type)) problems.push({ object, field: r.apiName, problem: 'wrong_type', detail: `${object}.${r.apiName} is of type ${f.type}; qualify writes ${r.setupType} (${r.apiTypes.join(' or ')})` });
      else if (f.updateable === false) problems.push({ object, field: r.apiName, problem: 'not_updateable', detail: `${object}.${r.apiName} is read-only for the integration user: give its profile or permission set edit access` });
    }
  }
  const stage = mapping.outbound?.stage;
  if (stage) {
    const lead = objects.Lead;
    const field = lead.field(stage.property);
    if (!field) {
      problems.push({ object: 'Lead', field: stage.property, problem: 'missing', detail: `Lead.${stage.property} (the stage field in outbound.stage.property) does not exist` });
    } else {
      const allowed = lead.activePicklistValues(stage.property);
      for (const [canonical, value] of Object.entries(stage.map)) {
        if (value !== undefined && !allowed.includes(value)) {
          problems.push({
            object: 'Lead',
            field: stage.property,
            problem: 'picklist_value',
            detail: `outbound.stage.map.${canonical} is "${value}", which is not an active value of Lead.${stage.property} in this org (values: ${allowed.map((v) => `"${v}"`).join(', ')})`,
          });
        }
      }
    }
  }
  return problems;
}

export class SalesforceSetupError extends PayloadError {
  readonly problems: SetupProblem[];
  constructor(mappingFile: string, problems: SetupProblem[]) {
    super('salesforce', `Salesforce setup is incomplete for ${mappingFile}:\n${problems.map((p) => `  - ${p.detail}`).join('\n')}`, { body: problems });
    this.problems = problems;
  }
}
