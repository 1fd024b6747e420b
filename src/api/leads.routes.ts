import { z } from 'zod';
import { LeadSchema, SourceSystemSchema, StageSchema } from '../canonical/lead.schema.js';
import { GradeSchema, LifecycleStateSchema, ScoreResultSchema, TransitionSchema } from '../qualification/qualification.schema.js';
import type { StoredLead } from '../store/store.types.js';
import { defineRoute, foundOr404, IdParams } from './api-route.js';

const LeadQuerySchema = z.object({
  email: z.string().min(1).optional().describe('exact email (normalised: trimmed, lower-case)'),
  stage: StageSchema.optional(),
  grade: GradeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const LeadSummarySchema = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  company: z.string().nullable(),
  title: z.string().nullable(),
  ids: z.partialRecord(SourceSystemSchema, z.string()),
  stage: StageSchema.nullable(),
  stageSince: z.string().nullable(),
  score: z.number().nullable(),
  fit: z.number().nullable(),
  engagement: z.number().nullable(),
  grade: GradeSchema.nullable(),
  segment: z.string().nullable(),
  reasons: z.string().nullable(),
  modelVersion: z.string().nullable(),
});

export function leadSummary(l: StoredLead): z.infer<typeof LeadSummarySchema> {
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

export const leadRoutes = [
  defineRoute({
    method: 'get',
    path: '/leads',
    summary: 'Search leads by email, stage or grade (highest score first)',
    query: LeadQuerySchema,
    response: z.object({ leads: z.array(LeadSummarySchema), limit: z.number(), offset: z.number() }),
    async handler({ query }, { store }) {
      const email = query.email?.trim().toLowerCase();
      const leads = await store.listLeads({ ...query, email, orderBy: 'score' });
      return { leads: leads.map(leadSummary), limit: query.limit, offset: query.offset };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/leads/:id',
    summary: 'One lead: canonical data, current score and reasons, score history, stage transitions with reasons',
    params: IdParams,
    response: LeadSummarySchema.extend({
      lead: LeadSchema,
      score: ScoreResultSchema.nullable(),
      lifecycle: LifecycleStateSchema.nullable(),
      scoreHistory: z.array(ScoreResultSchema),
      transitions: z.array(TransitionSchema),
    }),
    async handler({ params }, { store }) {
      const lead = await foundOr404('lead', store.getLead(params.id));
      const [scoreHistory, transitions] = await Promise.all([store.scoreHistory(lead.id), store.transitions(lead.id)]);
      return { ...leadSummary(lead), lead: lead.lead, score: lead.score, lifecycle: lead.lifecycle, scoreHistory, transitions };
    },
  }),
];
