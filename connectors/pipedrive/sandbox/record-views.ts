import type { ActivityRecord, DealRecord, OrganizationRecord, PersonRecord } from './crm-records.js';
import type { PersonFieldCatalog } from './person-fields.catalog.js';
import { v1Time, v2Time } from './pipedrive-ids.js';

/**
 * Records rendered as the API returns them: v2 objects (RFC 3339 times, custom_fields object) and
 * the v1 person of PUT /v1/persons/{id}/merge (email/phone arrays, "YYYY-MM-DD HH:MM:SS" times).
 */

export interface PersonViewOptions {
  /** Only these custom field keys (the `custom_fields` query parameter). */
  customKeys?: string[];
  /** `include_option_labels=true`: option values as { id, label } instead of the plain id. */
  optionLabels?: boolean;
}

export function personCustomFields(p: PersonRecord, catalog: PersonFieldCatalog, opts: PersonViewOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of catalog.custom()) {
    if (opts.customKeys && !opts.customKeys.includes(field.key)) continue;
    const value = p.custom[field.key] ?? null;
    if (opts.optionLabels && value !== null && (field.field_type === 'enum' || field.field_type === 'set')) {
      const label = (id: number) => ({ id, label: field.options?.find((o) => o.id === id)?.label ?? null });
      out[field.key] = Array.isArray(value) ? value.map(label) : label(value as number);
    } else {
      out[field.key] = value;
    }
  }
  return out;
}

export function personV2(p: PersonRecord, catalog: PersonFieldCatalog, opts: PersonViewOptions = {}): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    first_name: p.first_name,
    last_name: p.last_name,
    owner_id: p.owner_id,
    org_id: p.org_id,
    add_time: v2Time(p.add_time),
    update_time: v2Time(p.update_time),
    emails: p.emails.map((e) => ({ ...e })),
    phones: p.phones.map((e) => ({ ...e })),
    is_deleted: p.is_deleted,
    visible_to: p.visible_to,
    label_ids: [...p.label_ids],
    picture_id: p.picture_id,
    custom_fields: personCustomFields(p, catalog, opts),
  };
}

export function personV1(p: PersonRecord, catalog: PersonFieldCatalog, companyId: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const v1: Record<string, unknown> = {
    id: p.id,
    company_id: companyId,
    owner_id: p.owner_id,
    org_id: p.org_id,
    name: p.name,
    first_name: p.first_name,
    last_name: p.last_name,
    active_flag: !p.is_deleted,
    phone: p.phones.map((e) => ({ ...e })),
    email: p.emails.map((e) => ({ ...e })),
    first_char: p.name.charAt(0).toLowerCase(),
    update_time: v1Time(p.update_time),
    add_time: v1Time(p.add_time),
    visible_to: String(p.visible_to),
    picture_id: p.picture_id,
    label_ids: [...p.label_ids],
    ...extra,
  };
  // v1 puts custom field values at the top level, keyed by hash.
  for (const [key, value] of Object.entries(personCustomFields(p, catalog))) v1[key] = value;
  return v1;
}

export function organizationV2(o: OrganizationRecord): Record<string, unknown> {
  return {
    id: o.id,
    name: o.name,
    owner_id: o.owner_id,
    add_time: v2Time(o.add_time),
    update_time: v2Time(o.update_time),
    is_deleted: o.is_deleted,
    visible_to: o.visible_to,
    address: { ...o.address },
    label_ids: [...o.label_ids],
    website: o.website,
    linkedin: o.linkedin,
    industry: o.industry,
    annual_revenue: o.annual_revenue,
    employee_count: o.employee_count,
    custom_fields: {},
  };
}

export function activityV2(a: ActivityRecord): Record<string, unknown> {
  return {
    id: a.id,
    subject: a.subject,
    type: a.type,
    owner_id: a.owner_id,
    creator_user_id: a.creator_user_id,
    is_deleted: a.is_deleted,
    add_time: v2Time(a.add_time),
    update_time: v2Time(a.update_time),
    deal_id: a.deal_id,
    lead_id: null,
    person_id: a.person_id,
    org_id: a.org_id,
    project_id: null,
    due_date: a.due_date,
    due_time: a.due_time,
    duration: a.duration,
    busy: a.busy,
    done: a.done,
    marked_as_done_time: a.marked_as_done_time === null ? null : v2Time(a.marked_as_done_time),
    location: null,
    participants: a.person_id === null ? [] : [{ person_id: a.person_id, primary: true }],
    conference_meeting_client: null,
    conference_meeting_url: null,
    conference_meeting_id: null,
    public_description: null,
    priority: null,
    note: a.note,
  };
}

export function dealV2(d: DealRecord): Record<string, unknown> {
  const t = (ms: number | null) => (ms === null ? null : v2Time(ms));
  return {
    id: d.id,
    title: d.title,
    // creator_user_id is in the spec's example but not its schema; the schema wins.
    owner_id: d.owner_id,
    person_id: d.person_id,
    org_id: d.org_id,
    pipeline_id: d.pipeline_id,
    stage_id: d.stage_id,
    value: d.value,
    currency: d.currency,
    add_time: t(d.add_time),
    update_time: t(d.update_time),
    stage_change_time: t(d.stage_change_time),
    is_deleted: d.is_deleted,
    is_archived: d.is_archived,
    status: d.status,
    probability: d.probability,
    lost_reason: d.lost_reason,
    visible_to: d.visible_to,
    close_time: t(d.close_time),
    won_time: t(d.won_time),
    lost_time: t(d.lost_time),
    expected_close_date: d.expected_close_date,
    label_ids: [...d.label_ids],
    origin: 'ManuallyCreated',
    origin_id: null,
    channel: null,
    channel_id: null,
    source_lead_id: null,
    arr: null,
    mrr: null,
    acv: null,
    custom_fields: {},
  };
}
