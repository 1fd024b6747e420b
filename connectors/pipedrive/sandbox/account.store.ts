import type { ActivityRecord, ContactItem, DealRecord, OrganizationRecord, PersonRecord, SandboxUser } from './crm-records.js';
import { checkCustomValue, type CustomValue } from './custom-field-values.validator.js';
import type { PersonCreate, PersonPatch } from './person-patch.schema.js';
import { PersonFieldCatalog } from './person-fields.catalog.js';
import { personV2 } from './record-views.js';
import { seedAccount, type SeedOptions } from './seed-account.generator.js';
import type { ChangeEvent } from './webhook.dispatcher.js';

/**
 * The account's data and every change to it. API writes and simulated app users go through the
 * same mutations, which move update_time, keep deleted persons (is_deleted, still readable by
 * the control API) and emit one change event per write for the webhooks.
 */

export class ValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}
export class NotFoundError extends Error {}

export interface ChangeOrigin {
  source: 'app' | 'api';
  userId: number;
}

/** Fields whose change webhooks report in `previous`, as rendered by the v2 view. */
type View = Record<string, unknown>;

function diff(before: View, after: View): View | null {
  const prev: View = {};
  for (const [k, v] of Object.entries(before)) {
    if (k === 'custom_fields') continue;
    if (JSON.stringify(v) !== JSON.stringify(after[k])) prev[k] = v;
  }
  const cb = before.custom_fields as View;
  const ca = after.custom_fields as View;
  const changedCustom: View = {};
  for (const k of Object.keys(ca)) if (JSON.stringify(cb[k] ?? null) !== JSON.stringify(ca[k])) changedCustom[k] = cb[k] ?? null;
  if (Object.keys(changedCustom).length) prev.custom_fields = changedCustom;
  return Object.keys(prev).length ? prev : null;
}

function normalizeItems(items: Array<{ value: string; primary?: boolean; label?: string }>): ContactItem[] {
  const anyPrimary = items.some((i) => i.primary);
  return items.map((i, n) => ({ value: i.value, primary: i.primary ?? (!anyPrimary && n === 0), label: i.label ?? 'work' }));
}

function splitName(name: string): { first_name: string; last_name: string | null } {
  const [first, ...rest] = name.trim().split(/\s+/);
  return { first_name: first!, last_name: rest.length ? rest.join(' ') : null };
}

export class AccountStore {
  readonly persons = new Map<number, PersonRecord>();
  readonly organizations = new Map<number, OrganizationRecord>();
  readonly activities = new Map<number, ActivityRecord>();
  readonly deals = new Map<number, DealRecord>();
  readonly catalog: PersonFieldCatalog;
  private nextPersonId = 1;
  onChange: (e: ChangeEvent) => void = () => {};

  constructor(readonly now: () => number, readonly users: SandboxUser[]) {
    this.catalog = new PersonFieldCatalog(now, users[0]!.id);
  }

  seed(opts: Omit<SeedOptions, 'ownerIds'>): void {
    const data = seedAccount(this.catalog, { ...opts, ownerIds: this.users.map((u) => u.id) });
    for (const m of [this.persons, this.organizations, this.activities, this.deals]) m.clear();
    for (const o of data.organizations) this.organizations.set(o.id, o);
    for (const p of data.persons) this.persons.set(p.id, p);
    for (const a of data.activities) this.activities.set(a.id, a);
    for (const d of data.deals) this.deals.set(d.id, d);
    this.nextPersonId = data.persons.length + 1;
  }

  view(p: PersonRecord): View {
    return personV2(p, this.catalog);
  }

  /** A person that is not deleted; NotFoundError otherwise (v2 answers 404 for deleted persons). */
  livePerson(id: number): PersonRecord {
    const p = this.persons.get(id);
    if (!p || p.is_deleted) throw new NotFoundError('Person not found');
    return p;
  }

  private checkPatch(patch: PersonPatch): Record<string, CustomValue> {
    const problems: string[] = [];
    if (patch.owner_id !== undefined && !this.users.some((u) => u.id === patch.owner_id)) problems.push(`owner_id: User ${patch.owner_id} not found`);
    if (patch.org_id != null) {
      const org = this.organizations.get(patch.org_id);
      if (!org || org.is_deleted) problems.push(`org_id: Organization ${patch.org_id} not found`);
    }
    const custom: Record<string, CustomValue> = {};
    for (const [key, value] of Object.entries(patch.custom_fields ?? {})) {
      const field = this.catalog.byKey(key);
      if (!field || !field.edit_flag) {
        problems.push(`custom_fields.${key}: Unknown custom field`);
        continue;
      }
      const problem = checkCustomValue(field, value);
      if (problem) problems.push(problem);
      else custom[key] = value as CustomValue;
    }
    if (problems.length) throw new ValidationError(problems);
    return custom;
  }

  private apply(p: PersonRecord, patch: PersonPatch, custom: Record<string, CustomValue>): void {
    if (patch.name !== undefined) Object.assign(p, { name: patch.name.trim() }, splitName(patch.name));
    if (patch.owner_id !== undefined) p.owner_id = patch.owner_id;
    if (patch.org_id !== undefined) p.org_id = patch.org_id;
    if (patch.emails !== undefined) p.emails = normalizeItems(patch.emails);
    if (patch.phones !== undefined) p.phones = normalizeItems(patch.phones);
    if (patch.visible_to !== undefined) p.visible_to = patch.visible_to;
    if (patch.label_ids !== undefined) p.label_ids = [...patch.label_ids];
    Object.assign(p.custom, custom);
  }

  createPerson(input: PersonCreate, origin: ChangeOrigin): PersonRecord {
    const custom = this.checkPatch(input);
    const now = this.now();
    const p: PersonRecord = {
      id: this.nextPersonId++, name: '', first_name: null, last_name: null, owner_id: origin.userId, org_id: null,
      add_time: now, update_time: now, emails: [], phones: [], is_deleted: false, visible_to: 3, label_ids: [], picture_id: null, custom: {},
    };
    this.apply(p, input, custom);
    this.persons.set(p.id, p);
    this.onChange({ action: 'create', entity: 'person', entityId: p.id, data: this.view(p), previous: null, changeSource: origin.source, userId: origin.userId, timestamp: now });
    return p;
  }

  /** Applies a v2 PATCH body; a write that changes nothing leaves update_time and fires nothing. */
  updatePerson(id: number, patch: PersonPatch, origin: ChangeOrigin): PersonRecord {
    const p = this.livePerson(id);
    const custom = this.checkPatch(patch);
    const before = this.view(p);
    this.apply(p, patch, custom);
    const previous = diff(before, this.view(p));
    if (!previous) return p;
    const now = this.now();
    p.update_time = Math.max(now, p.update_time);
    previous.update_time = before.update_time;
    this.onChange({ action: 'change', entity: 'person', entityId: p.id, data: this.view(p), previous, changeSource: origin.source, userId: origin.userId, timestamp: now });
    return p;
  }

  deletePerson(id: number, origin: ChangeOrigin, mergedToId?: number): PersonRecord {
    const p = this.livePerson(id);
    const last = this.view(p);
    const now = this.now();
    p.is_deleted = true;
    p.update_time = Math.max(now, p.update_time);
    this.onChange({ action: 'delete', entity: 'person', entityId: p.id, data: null, previous: last, changeSource: origin.source, userId: origin.userId, timestamp: now, mergedToId });
    return p;
  }

  /**
   * PUT /v1/persons/{mergedId}/merge { merge_with_id: survivorId }: the survivor's data wins on
   * conflict (spec: "this person's data will be prioritized"), empty values are filled from the
   * merged person, emails and phones are united, activities and deals move to the survivor. Per
   * the webhooks v2 migration guide this fires a delete (meta.merged_to_id) for the merged person
   * and a change (meta.merged_from_id) for the survivor.
   */
  mergePersons(mergedId: number, survivorId: number, origin: ChangeOrigin): PersonRecord {
    if (mergedId === survivorId) throw new ValidationError(['merge_with_id: Cannot merge a person with itself']);
    const gone = this.livePerson(mergedId);
    const keep = this.livePerson(survivorId);
    const before = this.view(keep);
    const now = this.now();
    const unite = (a: ContactItem[], b: ContactItem[]) => [...a, ...b.filter((x) => !a.some((y) => y.value === x.value)).map((x) => ({ ...x, primary: false }))];
    keep.emails = unite(keep.emails, gone.emails);
    keep.phones = unite(keep.phones, gone.phones);
    keep.org_id ??= gone.org_id;
    keep.first_name ??= gone.first_name;
    keep.last_name ??= gone.last_name;
    keep.label_ids = [...new Set([...keep.label_ids, ...gone.label_ids])];
    for (const [k, v] of Object.entries(gone.custom)) if ((keep.custom[k] ?? null) === null) keep.custom[k] = v;
    for (const a of this.activities.values()) if (a.person_id === mergedId) Object.assign(a, { person_id: survivorId, update_time: now });
    for (const d of this.deals.values()) if (d.person_id === mergedId) Object.assign(d, { person_id: survivorId, update_time: now });
    this.deletePerson(mergedId, origin, survivorId);
    keep.update_time = Math.max(now, keep.update_time);
    const previous = diff(before, this.view(keep)) ?? {};
    previous.update_time = before.update_time;
    this.onChange({ action: 'change', entity: 'person', entityId: keep.id, data: this.view(keep), previous, changeSource: origin.source, userId: origin.userId, timestamp: now, mergedFromId: mergedId });
    return keep;
  }
}
