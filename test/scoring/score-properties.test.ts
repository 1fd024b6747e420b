import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { EventTypeSchema, SenioritySchema, DepartmentSchema, type EngagementEvent, type Lead } from '../../src/canonical/lead.schema.js';
import { ScoreResultSchema } from '../../src/qualification/qualification.schema.js';
import { loadScoringModel } from '../../src/qualification/qualify-lead.js';
import { isoToMillis } from '../../src/scoring/iso-time.js';
import { scoreLead } from '../../src/scoring/score-lead.js';
import { AT, DAY, engagementModel, lead } from './scoring-fixtures.js';

const defaultModel = loadScoringModel();
/** A harsh model: penalties, tight caps of every kind, windows and decay mixed. */
const cappedModel = engagementModel(
  [
    { id: 'pv', event: 'page_view', points: 3, halfLifeDays: 2, group: 'web', cap: { points: 5, per: 'day' } },
    { id: 'visit', event: 'visit', points: 7, windowDays: 10, group: 'web', cap: { points: 9, per: 'week' } },
    { id: 'dl', event: ['content_download', 'webinar'], points: 25, halfLifeDays: 20, group: 'mk', cap: { points: 30, per: 'month' } },
    { id: 'demo', event: 'demo_request', points: 60, halfLifeDays: 10, cap: { points: 60, per: 'ever' } },
    { id: 'unsub', event: 'unsubscribe', points: -45, halfLifeDays: 30, group: 'mk' },
    { id: 'bounce', event: 'email_open', points: -2, windowDays: 5 },
  ],
  (e) => {
    e.groups = { web: { cap: 12 }, mk: { cap: 35 } };
    e.cap = 80;
    e.normalise = { type: 'scale', max: 80 };
  },
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const eventArb: fc.Arbitrary<EngagementEvent> = fc.record({
  type: fc.constantFrom(...EventTypeSchema.options),
  // From 400 days before AT to 5 days after it (future events must be ignored).
  at: fc.integer({ min: -400 * DAY, max: 5 * DAY }).map((offset) => new Date(AT.getTime() + offset).toISOString()),
  source: fc.constant('hubspot' as const),
  sourceId: fc.uuid(),
  name: fc.option(fc.constantFrom('Cloud demo', 'E-book: cloud security', 'Newsletter'), { nil: undefined }),
  count: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
});

const leadArb: fc.Arbitrary<Lead> = fc
  .record({
    email: maybe(fc.constantFrom('ada@acme.io', 'bob@gmail.com', 'eve@madkudu.com', 'x@mailinator.com')),
    emailValid: fc.boolean(),
    emailFreeMail: fc.boolean(),
    emailDisposable: fc.boolean(),
    seniority: maybe(fc.constantFrom(...SenioritySchema.options)),
    department: maybe(fc.constantFrom(...DepartmentSchema.options)),
    jobTitle: maybe(fc.constantFrom('Student', 'IT Manager', 'VP Sales', 'Intern', '')),
    employees: maybe(fc.integer({ min: 0, max: 200_000 })),
    industry: maybe(fc.constantFrom('COMPUTER_SOFTWARE', 'Retail', 'Financial Services')),
    country: maybe(fc.constantFrom('US', 'DE', 'IN', 'BR')),
    bant: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    consent: fc.record({ optedOut: fc.boolean(), bounced: fc.boolean(), doNotCall: fc.boolean() }),
    events: fc.array(eventArb, { maxLength: 40 }),
  })
  .map((r) =>
    lead((l) => {
      Object.assign(l, { email: r.email, emailValid: r.emailValid, emailFreeMail: r.emailFreeMail, emailDisposable: r.emailDisposable });
      Object.assign(l.person, { seniority: r.seniority, department: r.department, jobTitle: r.jobTitle });
      Object.assign(l.company, { employees: r.employees, industry: r.industry, country: r.country });
      const signal = { value: 'yes', source: 'test' };
      l.bant = { budget: r.bant[0] ? signal : null, authority: r.bant[1] ? signal : null, need: r.bant[2] ? signal : null, timeline: r.bant[3] ? signal : null };
      l.consent = r.consent;
      l.events = [...r.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    }),
  );

const atArb = fc.integer({ min: -30 * DAY, max: 30 * DAY }).map((offset) => new Date(AT.getTime() + offset));

describe.each([
  ['the default model', defaultModel],
  ['a heavily capped model with penalties', cappedModel],
])('properties of %s', (_name, model) => {
  test('when any lead is scored at any time, then every number stays within its bounds and the result fits the contract', () => {
    fc.assert(
      fc.property(leadArb, atArb, (l, at) => {
        const r = scoreLead(l, model, at);
        for (const value of [r.fit, r.engagement, r.score]) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(100);
        }
        expect([1, 2, 3, 4]).toContain(r.band);
        expect(r.reasons.length).toBeLessThanOrEqual(255);
        ScoreResultSchema.parse(r);
      }),
      { numRuns: 300 },
    );
  });

  test('when the same lead is scored twice, or a copy of it, or with its events shuffled, then the results are identical', () => {
    fc.assert(
      fc.property(leadArb, atArb, fc.integer(), (l, at, seed) => {
        const first = scoreLead(l, model, at);
        expect(scoreLead(l, model, at)).toEqual(first);
        expect(scoreLead(structuredClone(l), model, new Date(at.getTime())).score).toBe(first.score);
        const shuffled = { ...l, events: [...l.events].sort((a, b) => ((a.sourceId + seed).localeCompare(b.sourceId + seed))) };
        const again = scoreLead(shuffled, model, at);
        expect([again.fit, again.engagement, again.score]).toEqual([first.fit, first.engagement, first.score]);
      }),
      { numRuns: 200 },
    );
  });

  test('when a positive-point event is added, then engagement never goes down', () => {
    fc.assert(
      fc.property(leadArb, fc.constantFrom('demo_request', 'page_view', 'visit', 'content_download'), fc.integer({ min: 0, max: 60 * DAY }), (l, type, age) => {
        const before = scoreLead(l, model, AT).engagement;
        const extra: EngagementEvent = { type: type as EngagementEvent['type'], at: new Date(AT.getTime() - age).toISOString(), source: 'csv', sourceId: 'extra' };
        const events = [...l.events, extra].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        expect(scoreLead({ ...l, events }, model, AT).engagement).toBeGreaterThanOrEqual(before - 0.01);
      }),
      { numRuns: 200 },
    );
  });
});

test('when any ISO-8601 instant with or without an offset is parsed, then it agrees with Date.parse', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
      fc.boolean(),
      (ms, offsetMinutes, withMillis) => {
        const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const text = offsetMinutes === 0 ? `${local}Z` : `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(isoToMillis(text)).toBe(Date.parse(text));
      },
    ),
    { numRuns: 2000 },
  );
  expect(isoToMillis('not a time')).toBeNaN();
  expect(isoToMillis('2026-02-30T00:00:00Z')).toBe(Date.parse('2026-02-30T00:00:00Z'));
});
