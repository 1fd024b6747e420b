import { z } from 'zod';

/**
 * HubSpot's payloads as they reach us: API responses (after the official SDK deserialised
 * them, which turns date-times into Date objects and drops fields its models don't know)
 * and webhook bodies (raw JSON). Vendor fields we don't read are kept (`.passthrough()`),
 * so a new HubSpot field never breaks a sync.
 *
 * Reference: https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/guide
 */

/** A date-time that is an ISO string (raw JSON) or a Date (SDK-deserialised): always ISO out. */
const Instant = z
  .union([z.string().min(1), z.date()])
  .transform((v) => (typeof v === 'string' ? v : v.toISOString()));

/** Ids are strings in the CRM API and numbers in webhooks: one string form everywhere. */
const ObjectId = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

export const HubSpotHistoryEntrySchema = z
  .object({
    value: z.string(),
    timestamp: Instant,
    sourceType: z.string().optional(),
    sourceId: z.string().nullish(),
    sourceLabel: z.string().nullish(),
    updatedByUserId: z.number().nullish(),
  })
  .passthrough();

export const HubSpotContactSchema = z
  .object({
    id: ObjectId,
    properties: z.record(z.string(), z.string().nullable()),
    propertiesWithHistory: z.record(z.string(), z.array(HubSpotHistoryEntrySchema)).optional(),
    createdAt: Instant,
    updatedAt: Instant,
    archived: z.boolean().optional().default(false),
  })
  .passthrough();
export type HubSpotContact = z.infer<typeof HubSpotContactSchema>;

/** POST /crm/v3/objects/contacts/search */
export const HubSpotSearchPageSchema = z
  .object({
    total: z.number().int().nonnegative(),
    results: z.array(HubSpotContactSchema),
    paging: z.object({ next: z.object({ after: z.string() }).passthrough().optional() }).passthrough().optional(),
  })
  .passthrough();
export type HubSpotSearchPage = z.infer<typeof HubSpotSearchPageSchema>;

/** One error of a batch (multi-status) response. `context.ids` names the records it concerns. */
export const HubSpotBatchErrorSchema = z
  .object({
    status: z.string().optional(),
    category: z.string().optional(),
    message: z.string(),
    context: z.record(z.string(), z.array(z.string())).optional(),
    errors: z.array(z.object({ message: z.string() }).passthrough()).optional(),
  })
  .passthrough();
export type HubSpotBatchError = z.infer<typeof HubSpotBatchErrorSchema>;

/** POST /crm/v3/objects/contacts/batch/{read,update}: 200, or 207 with `errors`. */
export const HubSpotBatchResponseSchema = z
  .object({
    status: z.string(),
    results: z.array(HubSpotContactSchema),
    errors: z.array(HubSpotBatchErrorSchema).optional(),
    numErrors: z.number().optional(),
  })
  .passthrough();
export type HubSpotBatchResponse = z.infer<typeof HubSpotBatchResponseSchema>;

/** GET /account-info/v3/details (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details) */
export const HubSpotAccountDetailsSchema = z
  .object({
    portalId: z.number().int(),
    timeZone: z.string().optional(),
    utcOffsetMilliseconds: z.number().optional(),
  })
  .passthrough();
export type HubSpotAccountDetails = z.infer<typeof HubSpotAccountDetailsSchema>;

/** GET /crm/v3/properties/contacts (names only: that is all setup needs). */
export const HubSpotPropertyListSchema = z
  .object({ results: z.array(z.object({ name: z.string(), groupName: z.string().optional() }).passthrough()) })
  .passthrough();

/**
 * The body of an error response (raw JSON; the SDK leaves it undeserialised). A 429 carries
 * `policyName` (TEN_SECONDLY_ROLLING or DAILY); search's own limit says "secondly limit".
 */
export const HubSpotErrorBodySchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    category: z.string().optional(),
    policyName: z.string().optional(),
    correlationId: z.string().optional(),
    errorType: z.string().optional(),
  })
  .passthrough();
export type HubSpotErrorBody = z.infer<typeof HubSpotErrorBodySchema>;

/**
 * One webhook event (https://developers.hubspot.com/docs/api/webhooks). HubSpot sends an
 * array of them. `objectId` is absent on association changes; `propertyName`/`propertyValue`
 * only on property changes; the merge fields only on contact.merge
 * (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks).
 */
export const HubSpotWebhookEventSchema = z
  .object({
    eventId: z.number().int(),
    subscriptionId: z.number().int(),
    portalId: z.number().int(),
    appId: z.number().int().optional(),
    occurredAt: z.number().int().nonnegative().max(8.64e15),
    subscriptionType: z.string().min(1),
    attemptNumber: z.number().int().nonnegative(),
    objectId: ObjectId.optional(),
    propertyName: z.string().optional(),
    propertyValue: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
    changeSource: z.string().optional(),
    sourceId: z.string().optional(),
    changeFlag: z.string().optional(),
    // contact.merge: the surviving contact, the ids merged into it (they stop existing), and the
    // id of the result when the merge made a new one.
    primaryObjectId: ObjectId.optional(),
    mergedObjectIds: z.array(ObjectId).optional(),
    newObjectId: ObjectId.optional(),
  })
  .passthrough();
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEventSchema>;

export const HubSpotWebhookBodySchema = z.array(HubSpotWebhookEventSchema).min(1).max(1000);
