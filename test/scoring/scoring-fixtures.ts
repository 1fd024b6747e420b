import { stringify } from 'yaml';
import { emptyLead, type EngagementEvent, type EventType, type Lead } from '../../src/canonical/lead.schema.js';
import { parseScoringModel } from '../../src/scoring/load-scoring-model.js';
import type { ScoringModel } from '../../src/scoring/scoring-model.js';

export const DAY = 86_400_000;
export const AT = new Date('2026-11-27T12:00:00.000Z');

/** An instant `days` before AT (fractions allowed). */
export const daysAgo = (days: number, from: Date = AT) => new Date(from.getTime() - days * DAY).toISOString();

let eventSeq = 0;
export function event(type: EventType, days: number, extra: Partial<EngagementEvent> = {}): EngagementEvent {
  return { type, at: daysAgo(days), source: 'hubspot', sourceId: `e${++eventSeq}`, ...extra };
}

/** A canonical lead built field by field, as a mapping would produce it. */
export function lead(build: (l: Lead) => void = () => {}): Lead {
  const l = emptyLead();
  build(l);
  return l;
}

/** A business-email lead with a name: the starting point of most lifecycle tests. */
export function businessLead(build: (l: Lead) => void = () => {}): Lead {
  return lead((l) => {
    l.email = 'ada@acme.io';
    l.emailValid = true;
    l.person.firstName = 'Ada';
    l.person.lastName = 'Lovelace';
    l.company.domain = 'acme.io';
    build(l);
  });
}

/** The smallest valid model; tests override the parts they are about. */
export function baseSpec(): Record<string, any> {
  return {
    name: 'test',
    version: 1,
    fit: { transform: { type: 'clamp' }, rules: [], disqualifiers: [] },
    engagement: { defaultHalfLifeDays: 7, normalise: { type: 'clamp' }, groups: {}, rules: [] },
    combined: { fit: 1, engagement: 1 },
    thresholds: {
      grade: { A: 75, B: 50, C: 25 },
      band: { '1': 75, '2': 50, '3': 25 },
      mql: { on: 'engagement', enter: 40, exit: 20, minDwellDays: 14 },
      sql: { on: 'score', enter: 80, exit: 60, minDwellDays: 30 },
    },
    lifecycle: {
      leadWhen: { path: 'person.lastName', present: true },
      marketingInterest: { events: ['content_download', 'newsletter_signup', 'webinar'], withinDays: 30 },
      salesRequest: { events: ['demo_request', 'contact_sales_request', 'offer_request'], withinDays: 30, minBant: 2 },
      mqlMinGrade: 'C',
      neverByEngagementWhen: { any: [{ path: 'person.seniority', eq: 'student' }, { path: 'consent.bounced', eq: true }] },
      recycled: { minDwellDays: 7, inactiveDays: 60 },
    },
  };
}

export function modelFrom(spec: Record<string, any>): ScoringModel {
  return parseScoringModel(stringify(spec), '<test>');
}

/** A model with only these fit rules. */
export function fitModel(rules: Record<string, any>[], tweak: (spec: Record<string, any>) => void = () => {}): ScoringModel {
  const spec = baseSpec();
  spec.fit.rules = rules;
  tweak(spec);
  return modelFrom(spec);
}

/** A model with only these engagement rules (and optional groups / total cap). */
export function engagementModel(
  rules: Record<string, any>[],
  tweak: (engagement: Record<string, any>) => void = () => {},
): ScoringModel {
  const spec = baseSpec();
  spec.engagement.rules = rules;
  tweak(spec.engagement);
  return modelFrom(spec);
}
