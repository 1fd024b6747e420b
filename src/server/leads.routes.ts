import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { StageSchema } from '../canonical/lead.schema.js';
import type { Store, StoredLead } from '../store/store.types.js';

const ListQuery = z.object({
  stage: StageSchema.optional(),
  email: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

function summary(l: StoredLead) {
  return {
    id: l.id,
    email: l.email,
    name: [l.lead.person.firstName, l.lead.person.lastName].filter(Boolean).join(' ') || null,
    company: l.lead.company.name,
    title: l.lead.person.jobTitle,
    ids: l.lead.ids,
    stage: l.lifecycle?.stage ?? null,
    stageSince: l.lifecycle?.since ?? null,
    score: l.score?.score ?? null,
    fit: l.score?.fit ?? null,
    engagement: l.score?.engagement ?? null,
    grade: l.score?.grade ?? null,
    segment: l.score?.segment ?? null,
    reasons: l.score?.reasons ?? null,
    modelVersion: l.score?.modelVersion ?? null,
  };
}

/**
 * Read-only lead API. When QUALIFY_ADMIN_TOKEN is set every call needs `Authorization: Bearer <token>`.
 */
export function leadsRoutes(store: Store, adminToken: string | undefined): Router {
  const router = Router();
  router.use('/api', (req: Request, res: Response, next: NextFunction) => {
    if (!adminToken || req.headers.authorization === `Bearer ${adminToken}`) return next();
    res.status(401).json({ error: 'missing or wrong bearer token' });
  });
  router.get('/api/leads', async (req, res) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: 'invalid query', issues: q.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
      return;
    }
    const leads = await store.listLeads({ ...q.data, orderBy: 'score' });
    res.json({ leads: leads.map(summary), limit: q.data.limit, offset: q.data.offset });
  });
  router.get('/api/leads/:id', async (req, res) => {
    const lead = await store.getLead(req.params.id);
    if (!lead) {
      res.status(404).json({ error: 'no such lead' });
      return;
    }
    const [scores, transitions] = await Promise.all([store.scoreHistory(lead.id), store.transitions(lead.id)]);
    res.json({ ...summary(lead), lead: lead.lead, score: lead.score, lifecycle: lead.lifecycle, scoreHistory: scores, transitions });
  });
  router.get('/api/funnel', async (_req, res) => {
    res.json({ funnel: await store.funnel() });
  });
  router.get('/api/status', async (_req, res) => {
    const connections = await store.listConnections();
    const errors = await store.listWriteErrors(undefined, 50);
    res.json({ connections, recentWriteErrors: errors });
  });
  return router;
}
