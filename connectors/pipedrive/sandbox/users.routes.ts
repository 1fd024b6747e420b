import { Router } from 'express';
import { v1Time } from './pipedrive-ids.js';
import type { SandboxContext } from './sandbox-context.js';

/** v1 GET /users/me: who the token belongs to and which company (id, name, domain) it opens. */
export function usersRoutes(ctx: SandboxContext): Router {
  const r = Router();
  r.get('/api/v1/users/me', (_req, res) => {
    const me = ctx.store.users.find((u) => u.id === ctx.userId)!;
    const t = v1Time(ctx.clock.now());
    res.json({
      success: true,
      data: {
        id: me.id, name: me.name, default_currency: 'USD', locale: 'en_US', lang: 1, email: me.email, phone: null,
        activated: true, last_login: t, created: t, modified: t, has_created_company: true,
        access: [{ app: 'sales', admin: true, permission_set_id: '00000000-0000-4000-8000-000000000001' }],
        active_flag: true, timezone_name: 'UTC', timezone_offset: '+00:00', role_id: 1, icon_url: null, is_you: true, is_deleted: false,
        company_id: ctx.companyId, company_name: ctx.companyName, company_domain: ctx.companyDomain,
        company_country: 'US', company_industry: 'Software', language: { language_code: 'en', country_code: 'US' },
      },
    });
  });
  return r;
}
