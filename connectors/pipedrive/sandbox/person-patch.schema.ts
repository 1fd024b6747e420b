import { z } from 'zod';

/**
 * Request bodies of POST /v2/persons and PATCH /v2/persons/{id} (openapi-v2.yaml). The object is
 * strict because API v2 refuses parameters it does not know ("Parameter 'x' is not allowed for
 * this request"). The contact-sync fields (im, postal_address, notes, birthday, job_title) "don't
 * exist by default" (spec), and this sandbox has no contact sync, so they are refused as unknown.
 */

const contactItem = z.object({
  value: z.string(),
  primary: z.boolean().optional(),
  label: z.string().optional(),
}).strict();

export const personPatchSchema = z.object({
  name: z.string().trim().min(1, 'Must not be empty').optional(),
  owner_id: z.number().int().optional(),
  org_id: z.number().int().nullable().optional(),
  emails: z.array(contactItem).optional(),
  phones: z.array(contactItem).optional(),
  visible_to: z.number().int().optional(),
  label_ids: z.array(z.number().int()).optional(),
  marketing_status: z.enum(['no_consent', 'unsubscribed', 'subscribed', 'archived']).optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
}).strict();
export type PersonPatch = z.infer<typeof personPatchSchema>;

export const personCreateSchema = personPatchSchema.extend({ name: z.string().trim().min(1, 'Must not be empty') }).strict();
export type PersonCreate = z.infer<typeof personCreateSchema>;

export const mergeSchema = z.object({ merge_with_id: z.coerce.number().int().positive() });
