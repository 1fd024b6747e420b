import { Router } from 'express';
import { v2Time } from './pipedrive-ids.js';
import type { SandboxContext } from './sandbox-context.js';
import { idParam } from './sandbox.http.js';
import { addWebhookSchema, type WebhookSubscription } from './webhook.dispatcher.js';

/**
 * v1 GET/POST /webhooks and DELETE /webhooks/{id} (openapi-v1.yaml): bodies with `status` and
 * `success`; a bad request answers 400 { status: "error", success: false, errors: { field: [msg] } }
 * as the spec's example does. At most 40 webhooks per user (webhooks v2 guide).
 */

const MAX_PER_USER = 40;

export function webhooksRoutes(ctx: SandboxContext): Router {
  const r = Router();

  r.get('/api/v1/webhooks', (_req, res) => {
    res.json({ status: 'ok', success: true, data: ctx.subscriptions });
  });

  r.post('/api/v1/webhooks', (req, res) => {
    const parsed = addWebhookSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors: Record<string, string[]> = {};
      for (const i of parsed.error.issues) (errors[String(i.path[0] ?? 'body')] ??= []).push(i.message);
      return void res.status(400).json({ status: 'error', success: false, errors });
    }
    const b = parsed.data;
    const userId = b.user_id ?? ctx.userId;
    if (ctx.subscriptions.filter((s) => s.user_id === userId).length >= MAX_PER_USER) {
      return void res.status(400).json({ status: 'error', success: false, errors: { user_id: [`Maximum of ${MAX_PER_USER} webhooks per user reached`] } });
    }
    const sub: WebhookSubscription = {
      id: ctx.nextWebhookId(), company_id: ctx.companyId, owner_id: ctx.userId, user_id: userId,
      event_action: b.event_action, event_object: b.event_object, subscription_url: b.subscription_url, version: b.version,
      is_active: 1, add_time: v2Time(ctx.clock.now()), remove_time: null, type: 'general',
      http_auth_user: b.http_auth_user ?? null, http_auth_password: b.http_auth_password ?? null, remove_reason: null,
      last_delivery_time: null, last_http_status: null, admin_id: ctx.userId, name: b.name,
    };
    ctx.subscriptions.push(sub);
    res.status(201).json({ status: 'ok', success: true, data: sub });
  });

  r.delete('/api/v1/webhooks/:id', (req, res) => {
    const id = idParam(req);
    const at = ctx.subscriptions.findIndex((s) => s.id === id);
    if (at < 0) return void res.status(404).json({ status: 'error', success: false, errors: { id: ['Webhook not found'] } });
    ctx.subscriptions.splice(at, 1);
    res.json({ status: 'ok', success: true });
  });

  return r;
}
