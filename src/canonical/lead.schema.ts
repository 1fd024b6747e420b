import { z } from 'zod';

/**
 * The canonical lead: the only shape the scoring core sees. Every connector maps its raw
 * records into this through a mapping file (mappings/*.yaml); nothing downstream knows
 * which CRM a value came from except through the `source` fields kept for explanation.
 */

/** Systems qualify can read from. A lead may carry ids from several at once. */
export const SourceSystemSchema = z.enum([
  'hubspot',
  'salesforce',
  'marketo',
  'pipedrive',
  'activecampaign',
  'pardot',
  'ga4',
  'mixpanel',
  'csv',
]);
export type SourceSystem = z.infer<typeof SourceSystemSchema>;

export const SenioritySchema = z.enum([
  'c_level',
  'vp',
  'director',
  'manager',
  'individual_contributor',
  'student',
  'other',
]);
export type Seniority = z.infer<typeof SenioritySchema>;

export const DepartmentSchema = z.enum([
  'executive',
  'it',
  'engineering',
  'marketing',
  'sales',
  'operations',
  'finance',
  'hr',
  'product',
  'customer_success',
  'legal',
  'education',
  'other',
]);
export type Department = z.infer<typeof DepartmentSchema>;

export const EventTypeSchema = z.enum([
  'page_view',
  'visit',
  'email_open',
  'email_click',
  'form_submission',
  'content_download',
  'newsletter_signup',
  'webinar',
  'demo_request',
  'contact_sales_request',
  'offer_request',
  'meeting_booked',
  'call',
  'email_reply',
  'free_trial',
  'unsubscribe',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

/** Canonical lifecycle stages (see src/lifecycle). */
export const StageSchema = z.enum([
  'subscriber',
  'lead',
  'mql',
  'sql',
  'opportunity',
  'customer',
  'recycled',
  'disqualified',
]);
export type Stage = z.infer<typeof StageSchema>;

/** A value together with where it came from, so reasons can say "budget (from HubSpot: budget_range)". */
const sourced = <T extends z.ZodType>(value: T) =>
  z.object({
    value,
    source: z.string().describe('system and field the value was read from, e.g. "hubspot:budget"'),
  });

export const BantSignalSchema = sourced(z.union([z.string(), z.number(), z.boolean()]));
export type BantSignal = z.infer<typeof BantSignalSchema>;

export const EngagementEventSchema = z.object({
  type: EventTypeSchema,
  /** ISO-8601 instant the event happened. */
  at: z.iso.datetime({ offset: true }),
  source: SourceSystemSchema,
  /** Id of the event in its source; (source, sourceId) identifies it, so re-reads count once. */
  sourceId: z.string().min(1),
  /** Free text from the source, e.g. the form or asset name ("Cloud demo request"). */
  name: z.string().optional(),
  /** How many times this event stands for (aggregate counters such as page views), default 1. */
  count: z.number().int().positive().optional(),
});
export type EngagementEvent = z.infer<typeof EngagementEventSchema>;

export const LeadSchema = z.object({
  /** Normalised (trimmed, lower-case) email; the merge key across systems. */
  email: z.string().nullable(),
  emailValid: z.boolean(),
  emailFreeMail: z.boolean(),
  emailDisposable: z.boolean(),
  /** Record id per connected system, e.g. { hubspot: "101", salesforce: "00Q..." }. */
  ids: z.partialRecord(SourceSystemSchema, z.string()),

  person: z.object({
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    jobTitle: z.string().nullable(),
    seniority: SenioritySchema.nullable(),
    department: DepartmentSchema.nullable(),
  }),

  company: z.object({
    name: z.string().nullable(),
    /** Registrable domain: from the website, else from a business email. */
    domain: z.string().nullable(),
    employees: z.number().nonnegative().nullable(),
    industry: z.string().nullable(),
    annualRevenue: z.number().nonnegative().nullable(),
    /** ISO 3166-1 alpha-2 where recognised, else the cleaned source text. */
    country: z.string().nullable(),
  }),

  bant: z.object({
    budget: BantSignalSchema.nullable(),
    authority: BantSignalSchema.nullable(),
    need: BantSignalSchema.nullable(),
    timeline: BantSignalSchema.nullable(),
  }),

  consent: z.object({
    optedOut: z.boolean(),
    bounced: z.boolean(),
    doNotCall: z.boolean(),
  }),

  /** Deduplicated by (source, sourceId); sorted by time. */
  events: z.array(EngagementEventSchema),

  /** Stage as read from each system, in the canonical vocabulary (raw value kept for audit). */
  stages: z.partialRecord(SourceSystemSchema, z.object({ stage: StageSchema.nullable(), raw: z.string() })),

  /** Extra mapped attributes a scoring model may use (e.g. dataset-specific form answers). */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),

  /** When the source last modified the record (ISO-8601), for ordering out-of-order updates. */
  sourceUpdatedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type Lead = z.infer<typeof LeadSchema>;

/** A lead with every field missing: the start point of every mapping. */
export function emptyLead(): Lead {
  return {
    email: null,
    emailValid: false,
    emailFreeMail: false,
    emailDisposable: false,
    ids: {},
    person: { firstName: null, lastName: null, jobTitle: null, seniority: null, department: null },
    company: { name: null, domain: null, employees: null, industry: null, annualRevenue: null, country: null },
    bant: { budget: null, authority: null, need: null, timeline: null },
    consent: { optedOut: false, bounced: false, doNotCall: false },
    events: [],
    stages: {},
    attributes: {},
    sourceUpdatedAt: null,
  };
}
