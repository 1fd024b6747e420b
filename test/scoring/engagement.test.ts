import { describe, expect, test } from '@jest/globals';
import type { ScoreResult } from '../../src/qualification/qualification.schema.js';
import { scoreLead } from '../../src/scoring/score-lead.js';
import { AT, DAY, daysAgo, engagementModel, event, lead } from './scoring-fixtures.js';

const pointsOf = (result: ScoreResult, ruleId: string) => result.contributions.find((c) => c.ruleId === ruleId)?.points ?? 0;

describe('exponential decay', () => {
  const model = engagementModel([{ id: 'demo', event: 'demo_request', points: 10, halfLifeDays: 7 }]);

  test('when a 10-point event with a 7-day half-life is 7 days old, then it is worth exactly 5', () => {
    const r = scoreLead(lead((l) => (l.events = [event('demo_request', 7)])), model, AT);
    expect(pointsOf(r, 'demo')).toBe(5);
    expect(r.engagement).toBe(5);
  });

  test('when it is 14 days old, then it is worth exactly 2.5; when it happened now, then 10', () => {
    expect(scoreLead(lead((l) => (l.events = [event('demo_request', 14)])), model, AT).engagement).toBe(2.5);
    expect(scoreLead(lead((l) => (l.events = [event('demo_request', 0)])), model, AT).engagement).toBe(10);
  });

  test('when the same lead is scored at a later time, then the score is recomputed from the log, not accumulated', () => {
    const l = lead((x) => (x.events = [event('demo_request', 0)]));
    expect(scoreLead(l, model, new Date(AT.getTime() + 7 * DAY)).engagement).toBe(5);
    expect(scoreLead(l, model, AT).engagement).toBe(10);
  });

  test('when a rule sets no half-life, then the model default applies (7 days in the test model)', () => {
    const m = engagementModel([{ id: 'dl', event: 'content_download', points: 20 }]);
    expect(scoreLead(lead((l) => (l.events = [event('content_download', 7)])), m, AT).engagement).toBe(10);
  });
});

describe('rolling window', () => {
  const model = engagementModel([{ id: 'web', event: 'webinar', points: 20, windowDays: 30 }]);

  test('when an event is inside the window, then it counts in full, without decay', () => {
    expect(scoreLead(lead((l) => (l.events = [event('webinar', 29.9)])), model, AT).engagement).toBe(20);
    expect(scoreLead(lead((l) => (l.events = [event('webinar', 30)])), model, AT).engagement).toBe(20);
  });

  test('when an event is older than the window, then it counts 0', () => {
    const r = scoreLead(lead((l) => (l.events = [event('webinar', 30.01)])), model, AT);
    expect(r.engagement).toBe(0);
    expect(r.contributions).toEqual([]);
  });
});

describe('which events count', () => {
  test('when an event lies after the evaluation time, then it is ignored', () => {
    const model = engagementModel([{ id: 'demo', event: 'demo_request', points: 10, halfLifeDays: 7 }]);
    const r = scoreLead(lead((l) => (l.events = [event('demo_request', -1)])), model, AT);
    expect(r.engagement).toBe(0);
  });

  test('when an aggregate event has a count, then its points are multiplied by it', () => {
    const model = engagementModel([{ id: 'pv', event: 'page_view', points: 2, windowDays: 30 }]);
    const r = scoreLead(lead((l) => (l.events = [event('page_view', 1, { count: 4 })])), model, AT);
    expect(r.engagement).toBe(8);
  });

  test('when a rule has a name regex, then only events whose name matches count (case-insensitive by default)', () => {
    const model = engagementModel([{ id: 'cloud_form', event: 'form_submission', name: 'cloud', points: 15, windowDays: 30 }]);
    const r = scoreLead(
      lead((l) => (l.events = [event('form_submission', 1, { name: 'Cloud demo form' }), event('form_submission', 1, { name: 'Careers' }), event('form_submission', 1)])),
      model,
      AT,
    );
    expect(r.engagement).toBe(15);
  });

  test('when one rule lists several event types, then each of them counts', () => {
    const model = engagementModel([{ id: 'talk', event: ['call', 'email_reply'], points: 5, windowDays: 30 }]);
    expect(scoreLead(lead((l) => (l.events = [event('call', 1), event('email_reply', 2)])), model, AT).engagement).toBe(10);
  });

  test('when the event log is out of order, then the result equals that of the sorted log', () => {
    const model = engagementModel([{ id: 'pv', event: 'page_view', points: 4, halfLifeDays: 3, cap: { points: 6, per: 'day' } }]);
    const events = [event('page_view', 0.1), event('page_view', 2.2), event('page_view', 0.2), event('page_view', 2.1), event('page_view', 5)];
    const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const shuffled = scoreLead(lead((l) => (l.events = events)), model, AT);
    const inOrder = scoreLead(lead((l) => (l.events = sorted)), model, AT);
    expect(shuffled).toEqual(inOrder);
  });

  test('when the contribution label is built, then it says how long ago the newest event was', () => {
    const model = engagementModel([{ id: 'demo', label: 'demo request', event: 'demo_request', points: 10 }]);
    const r = scoreLead(lead((l) => (l.events = [event('demo_request', 9), event('demo_request', 2.5)])), model, AT);
    expect(r.contributions[0]!.label).toBe('demo request (2d ago)');
  });
});

describe('caps, in the documented order event → period → group → total', () => {
  const noDecay = 365;

  test('when 30 one-point page views happen on one day with a cap of 10 per day, then they count 10', () => {
    const model = engagementModel([{ id: 'pv', event: 'page_view', points: 1, windowDays: noDecay, cap: { points: 10, per: 'day' } }]);
    const today = Array.from({ length: 30 }, () => event('page_view', 0));
    expect(scoreLead(lead((l) => (l.events = today)), model, AT).engagement).toBe(10);
  });

  test('when the page views are spread over two UTC days, then each day has its own cap', () => {
    const model = engagementModel([{ id: 'pv', event: 'page_view', points: 1, windowDays: noDecay, cap: { points: 10, per: 'day' } }]);
    const twoDays = [...Array.from({ length: 15 }, () => event('page_view', 0)), ...Array.from({ length: 15 }, () => event('page_view', 1))];
    expect(scoreLead(lead((l) => (l.events = twoDays)), model, AT).engagement).toBe(20);
  });

  test('when a cap is per week or ever, then the period is the Monday-based week or the whole log', () => {
    const weekly = engagementModel([{ id: 'pv', event: 'page_view', points: 5, windowDays: noDecay, cap: { points: 10, per: 'week' } }]);
    // AT is Friday 2026-11-27: 1 and 3 days ago are the same week; 6 days ago (Saturday) is the week before.
    const events = [event('page_view', 1), event('page_view', 3), event('page_view', 3.5), event('page_view', 6)];
    expect(scoreLead(lead((l) => (l.events = events)), weekly, AT).engagement).toBe(15);
    const ever = engagementModel([{ id: 'pv', event: 'page_view', points: 5, windowDays: noDecay, cap: { points: 10, per: 'ever' } }]);
    expect(scoreLead(lead((l) => (l.events = events)), ever, AT).engagement).toBe(10);
  });

  test('when period, group and total caps all bind, then they apply in order and contributions add up to the total', () => {
    const model = engagementModel(
      [
        { id: 'pv', event: 'page_view', points: 1, windowDays: noDecay, group: 'web', cap: { points: 10, per: 'day' } },
        { id: 'visit', event: 'visit', points: 5, windowDays: noDecay, group: 'web' },
        { id: 'demo', event: 'demo_request', points: 50, windowDays: noDecay, group: 'sales' },
      ],
      (e) => {
        e.groups = { web: { cap: 15 }, sales: { cap: 40 } };
        e.cap = 50;
      },
    );
    const events = [...Array.from({ length: 30 }, () => event('page_view', 0)), event('visit', 0), event('visit', 0), event('demo_request', 0)];
    const r = scoreLead(lead((l) => (l.events = events)), model, AT);
    // period: pv 30 → 10; group web: 10 + 10 = 20 → 15 (7.5 each); sales: 50 → 40; total: 55 → 50 (× 50/55).
    expect(r.engagement).toBe(50);
    expect(pointsOf(r, 'pv')).toBeCloseTo((7.5 * 50) / 55, 2);
    expect(pointsOf(r, 'visit')).toBeCloseTo((7.5 * 50) / 55, 2);
    expect(pointsOf(r, 'demo')).toBeCloseTo((40 * 50) / 55, 2);
  });

  test('when a group also holds a penalty, then only positive points are scaled and the group lands on its cap', () => {
    const model = engagementModel(
      [
        { id: 'dl', event: 'content_download', points: 30, windowDays: noDecay, group: 'mk' },
        { id: 'unsub', event: 'unsubscribe', points: -10, windowDays: noDecay, group: 'mk' },
      ],
      (e) => (e.groups = { mk: { cap: 15 } }),
    );
    const r = scoreLead(lead((l) => (l.events = [event('content_download', 0), event('unsubscribe', 0)])), model, AT);
    expect(pointsOf(r, 'unsub')).toBe(-10);
    expect(pointsOf(r, 'dl')).toBe(25);
    expect(r.engagement).toBe(15);
  });
});

describe('floor at 0 and negative events', () => {
  const model = engagementModel([
    { id: 'unsub', event: 'unsubscribe', points: -30, halfLifeDays: 90 },
    { id: 'demo', event: 'demo_request', points: 50, windowDays: 30 },
  ]);

  test('when only a negative event happened, then engagement floors at 0 while the reason still shows the penalty', () => {
    const r = scoreLead(lead((l) => (l.events = [event('unsubscribe', 0)])), model, AT);
    expect(r.engagement).toBe(0);
    expect(pointsOf(r, 'unsub')).toBe(-30);
    expect(r.reasons).toContain('− unsub');
  });

  test('when an unsubscribed person re-engages, then the new points count from the penalty, not from a stuck negative', () => {
    const r = scoreLead(lead((l) => (l.events = [event('unsubscribe', 0), event('demo_request', 0)])), model, AT);
    expect(r.engagement).toBe(20);
  });
});

describe('normalisation to 0–100', () => {
  test('when the model scales by a max of 200 raw points, then 50 raw points are 25', () => {
    const model = engagementModel([{ id: 'demo', event: 'demo_request', points: 50, windowDays: 30 }], (e) => (e.normalise = { type: 'scale', max: 200 }));
    expect(scoreLead(lead((l) => (l.events = [event('demo_request', 1)])), model, AT).engagement).toBe(25);
  });

  test('when raw points exceed 100 under clamp, then engagement is 100', () => {
    const model = engagementModel([{ id: 'demo', event: 'demo_request', points: 80, windowDays: 30 }]);
    expect(scoreLead(lead((l) => (l.events = [event('demo_request', 1), event('demo_request', 2)])), model, AT).engagement).toBe(100);
  });
});

test('when an event time carries an offset, then it is read as the same instant', () => {
  const model = engagementModel([{ id: 'demo', event: 'demo_request', points: 10, halfLifeDays: 7 }]);
  // 7 days before AT (12:00Z) written in +02:00.
  const at = daysAgo(7).replace('T12:00:00.000Z', 'T14:00:00+02:00');
  const r = scoreLead(lead((l) => (l.events = [{ type: 'demo_request', at, source: 'hubspot', sourceId: 'x' }])), model, AT);
  expect(r.engagement).toBe(5);
});
