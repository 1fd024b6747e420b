import { z } from 'zod';
import { StageSchema } from '../canonical/lead.schema.js';
import { GradeSchema } from '../qualification/qualification.schema.js';
import { defineRoute } from './api-route.js';

const DAY_MS = 86_400_000;
/** Without `since`, the flow covers this many buckets back: a quarter by week reads well on one chart. */
const DEFAULT_SPAN: Record<'day' | 'week' | 'month', number> = { day: 30 * DAY_MS, week: 13 * 7 * DAY_MS, month: 365 * DAY_MS };

const FunnelQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('start of the flow over time (ISO date or date-time); default: 30 days, 13 weeks or 12 months back'),
  bucket: z.enum(['day', 'week', 'month']).default('week'),
  bucketWidth: z.coerce.number().int().min(1).max(100).default(10).describe('score histogram bucket width (points)'),
});

export const funnelRoutes = [
  defineRoute({
    method: 'get',
    path: '/funnel',
    summary: 'The funnel: leads per stage and grade, score histogram, conversion by grade, stage transitions over time',
    query: FunnelQuerySchema,
    response: z.object({
      stages: z.record(StageSchema, z.number()),
      grades: z.record(GradeSchema, z.number()),
      scoreHistogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })),
      conversionByGrade: z.array(
        z.object({
          grade: GradeSchema,
          leads: z.number(),
          reachedMql: z.number(),
          reachedSql: z.number(),
          reachedOpportunity: z.number(),
          reachedCustomer: z.number(),
        }),
      ),
      flow: z.array(z.object({ period: z.string(), to: StageSchema, count: z.number() })),
      since: z.string(),
      bucket: z.enum(['day', 'week', 'month']),
    }),
    async handler({ query }, { store, services }) {
      const since = query.since ? new Date(query.since) : new Date(services.pipeline.now().getTime() - DEFAULT_SPAN[query.bucket]);
      const [stages, grades, scoreHistogram, conversionByGrade, flow] = await Promise.all([
        store.funnel(),
        store.gradeDistribution(),
        store.scoreHistogram(query.bucketWidth),
        store.conversionByGrade(),
        store.stageFlow({ since, bucket: query.bucket }),
      ]);
      return { stages, grades, scoreHistogram, conversionByGrade, flow, since: since.toISOString(), bucket: query.bucket };
    },
  }),
];
