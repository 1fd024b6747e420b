import { z } from 'zod';

/**
 * The shapes of Pipedrive's answers qualify reads (openapi-v2.yaml, openapi-v1.yaml, the webhooks
 * v2 guide): every response is parsed with these before anything is used. Objects are loose: a
 * field Pipedrive adds later is kept in the raw record, a field qualify relies on is checked.
 */

const id = z.number().int();
const time = z.string().min(1);

export const PersonSchema = z.looseObject({
  id,
  name: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  org_id: id.nullable().optional(),
  owner_id: id.nullable().optional(),
  add_time: time.nullable().optional(),
  update_time: time,
  emails: z.array(z.looseObject({ value: z.string(), primary: z.boolean().optional(), label: z.string().nullable().optional() })).nullable().optional(),
  label_ids: z.array(id).nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type PipedrivePerson = z.infer<typeof PersonSchema>;

export const OrganizationSchema = z.looseObject({
  id,
  name: z.string().nullable().optional(),
  update_time: time.nullable().optional(),
  website: z.string().nullable().optional(),
  industry: z.union([z.number(), z.string()]).nullable().optional(),
  employee_count: z.number().nullable().optional(),
  annual_revenue: z.number().nullable().optional(),
  address: z.looseObject({ country: z.string().nullable().optional() }).nullable().optional(),
});
export type PipedriveOrganization = z.infer<typeof OrganizationSchema>;

export const ActivitySchema = z.looseObject({
  id,
  type: z.string(),
  subject: z.string().nullable().optional(),
  person_id: id.nullable().optional(),
  done: z.boolean(),
  update_time: time,
  marked_as_done_time: time.nullable().optional(),
});
export type PipedriveActivity = z.infer<typeof ActivitySchema>;

export const DealSchema = z.looseObject({
  id,
  title: z.string().nullable().optional(),
  person_id: id.nullable().optional(),
  status: z.string(),
  add_time: time,
  update_time: time,
});
export type PipedriveDeal = z.infer<typeof DealSchema>;

/** v2 lists: `{ success, data: [...], additional_data: { next_cursor } }`. */
export const v2List = <S extends z.ZodType>(item: S) =>
  z.looseObject({
    success: z.literal(true),
    data: z.array(item).nullable().transform((d) => d ?? []),
    additional_data: z.looseObject({ next_cursor: z.string().nullable().optional() }).nullable().optional(),
  });

export const v2One = <S extends z.ZodType>(item: S) => z.looseObject({ success: z.literal(true), data: item });

export const PersonFieldSchema = z.looseObject({
  id,
  key: z.string(),
  name: z.string(),
  field_type: z.string(),
  edit_flag: z.boolean().optional(),
  options: z.array(z.looseObject({ id: z.union([id, z.string()]).transform(Number), label: z.string() })).nullable().optional(),
});
export type PersonField = z.infer<typeof PersonFieldSchema>;

export const PersonFieldListSchema = z.looseObject({
  success: z.literal(true),
  data: z.array(PersonFieldSchema).nullable().transform((d) => d ?? []),
  additional_data: z
    .looseObject({ pagination: z.looseObject({ more_items_in_collection: z.boolean().optional(), next_start: z.number().optional() }).optional() })
    .nullable()
    .optional(),
});

export const UserMeSchema = z.looseObject({
  success: z.literal(true),
  data: z.looseObject({ id, company_id: id, company_domain: z.string().nullable().optional(), company_name: z.string().nullable().optional() }),
});

export const WebhookSubscriptionSchema = z.looseObject({ id, subscription_url: z.string(), version: z.string().optional(), event_object: z.string().optional(), event_action: z.string().optional() });
export const WebhookListSchema = z.looseObject({ success: z.literal(true), data: z.array(WebhookSubscriptionSchema).nullable().transform((d) => d ?? []) });

/** Pipedrive's error envelope (v1 `{success:false, error, error_info}`, v2 `{success:false, error, code}`). */
export const ErrorBodySchema = z.looseObject({
  success: z.literal(false).optional(),
  error: z.string().optional(),
  error_info: z.string().optional(),
  code: z.string().optional(),
  errorCode: z.number().optional(),
});
export type PipedriveErrorBody = z.infer<typeof ErrorBodySchema>;

/** OAuth token endpoint answer (authorization_code and refresh_token grants). */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  api_domain: z.url(),
  scope: z.string().optional(),
});

/** Webhooks v2: `{ meta, data, previous }` (guide-for-webhooks-v2). */
export const WebhookMetaSchema = z.looseObject({
  action: z.enum(['create', 'change', 'delete']),
  entity: z.string(),
  entity_id: z.string().regex(/^\d+$/, 'expected a numeric id'),
  id: z.string().min(1),
  company_id: z.string(),
  user_id: z.string().optional(),
  timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO time'),
  version: z.literal('2.0'),
  change_source: z.string().optional(),
  merged_to_id: z.string().regex(/^\d+$/).optional(),
  merged_from_id: z.string().regex(/^\d+$/).optional(),
});
export const WebhookPayloadSchema = z.looseObject({
  meta: WebhookMetaSchema,
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  previous: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
