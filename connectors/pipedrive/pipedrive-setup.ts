import { z } from 'zod';
import type { ConnectorContext, Mapping, SetupReport } from '../../src/kit/index.js';
import type { PipedriveClient } from './pipedrive-client.js';
import { findByName, ownedFields, type FieldCatalog } from './pipedrive-fields.js';
import { UserMeSchema, WebhookListSchema, PersonFieldSchema } from './provider.schema.js';

/**
 * First-connect work, safe on every start:
 * - who the credentials belong to (`GET /api/v1/users/me`): the company (the connection's account)
 *   and the user, whose own API writes the webhook receiver recognises as echoes;
 * - qualify's custom person fields, found by name and created when missing
 *   (`POST /api/v1/personFields`); their hash keys are kept in the connection's config for the
 *   webhook receiver, never written down anywhere else;
 * - the webhooks v2 subscription (`POST /api/v1/webhooks`, person.*, HTTP Basic auth), unless one
 *   for the same URL exists.
 */

export interface WebhookSettings {
  publicUrl: string;
  user: string;
  password: string;
}

export interface OwnedFieldConfig {
  name: string;
  options?: Record<string, string>;
}

/** What the receiver needs from setup, kept in the connection row's config. */
export const PipedriveConfigSchema = z.object({
  companyId: z.string(),
  userId: z.string(),
  companyDomain: z.string().nullable().optional(),
  /** Hash key → qualify's own field (name, option id → label). */
  ownedFields: z.record(z.string(), z.object({ name: z.string(), options: z.record(z.string(), z.string()).optional() })),
});
export type PipedriveConnectionConfig = z.infer<typeof PipedriveConfigSchema>;

export const webhookUrl = (publicUrl: string) => `${publicUrl.replace(/\/+$/, '')}/webhooks/pipedrive`;

export async function ensurePipedriveSetup(
  client: PipedriveClient,
  catalog: FieldCatalog,
  mapping: Mapping,
  ctx: ConnectorContext,
  webhook: WebhookSettings | null,
): Promise<SetupReport & { created: string[] }> {
  const signal = ctx.signal;
  const me = (await client.call('read the current user', 'GET', 'api/v1/users/me', UserMeSchema, { signal })).data;
  const problems: string[] = [];

  let fields = await catalog.all({ refresh: true, signal });
  const created: string[] = [];
  for (const want of ownedFields(mapping)) {
    const existing = findByName(fields, want.name);
    if (existing) {
      const missing = (want.options ?? []).filter((o) => !existing.options?.some((x) => x.label.toLowerCase() === o.toLowerCase()));
      if (missing.length) problems.push(`The Pipedrive field "${want.name}" lacks the options ${missing.join(', ')}: add them in Settings → Data fields (those stages are not written until then).`);
      continue;
    }
    const body = { name: want.name, field_type: want.fieldType, ...(want.options && { options: want.options.map((label) => ({ label })) }) };
    await client.call(`create person field "${want.name}"`, 'POST', 'api/v1/personFields', z.looseObject({ success: z.literal(true), data: PersonFieldSchema }), { body, signal });
    created.push(want.name);
  }
  if (created.length) fields = await catalog.all({ refresh: true, signal });
  const ownedConfig: Record<string, OwnedFieldConfig> = {};
  for (const want of ownedFields(mapping)) {
    const f = findByName(fields, want.name);
    if (f) ownedConfig[f.key] = { name: f.name, ...(f.options?.length && { options: Object.fromEntries(f.options.map((o) => [String(o.id), o.label])) }) };
  }

  if (webhook) {
    const url = webhookUrl(webhook.publicUrl);
    const subs = (await client.call('list webhooks', 'GET', 'api/v1/webhooks', WebhookListSchema, { signal })).data;
    if (!subs.some((s) => s.subscription_url === url && (s.version ?? '2.0') === '2.0')) {
      await client.call('subscribe to person webhooks', 'POST', 'api/v1/webhooks', z.looseObject({ success: z.literal(true) }), {
        body: { subscription_url: url, event_action: '*', event_object: 'person', name: 'qualify', version: '2.0', http_auth_user: webhook.user, http_auth_password: webhook.password },
        signal,
      });
      ctx.logger.info({ url }, 'pipedrive: subscribed to person webhooks');
    }
  } else {
    problems.push('No webhook credentials (PIPEDRIVE_WEBHOOK_USER, PIPEDRIVE_WEBHOOK_PASSWORD): changes arrive only with the periodic sync, deletions and merges not at all.');
  }

  ctx.logger.info({ companyId: me.company_id, created }, created.length ? 'pipedrive: created qualify person fields' : 'pipedrive: qualify person fields already exist');
  const config: PipedriveConnectionConfig = { companyId: String(me.company_id), userId: String(me.id), companyDomain: me.company_domain ?? null, ownedFields: ownedConfig };
  return { accountId: String(me.company_id), config, problem: problems.length ? problems.join(' ') : null, created };
}
