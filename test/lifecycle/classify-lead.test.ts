import { describe, expect, test } from '@jest/globals';
import type { Lead } from '../../src/canonical/lead.schema.js';
import { isAutomaticTransitionAllowed } from '../../src/lifecycle/lifecycle-transitions.js';
import { QualificationSchema, type LifecycleState, type TransitionReason } from '../../src/qualification/qualification.schema.js';
import { qualifyLead } from '../../src/qualification/qualify-lead.js';
import type { ScoringModel } from '../../src/scoring/scoring-model.js';
import { AT, DAY, baseSpec, businessLead, daysAgo, event, lead, modelFrom } from '../scoring/scoring-fixtures.js';

/**
 * Test model (see baseSpec): grade C from fit 25; MQL on engagement, enter 40 / exit 20 / 14 days;
 * SQL on the combined score, enter 80 / exit 60 / 30 days; interest and sales requests count for
 * 30 days; SQL needs 2 BANT signals; recycled leads wait 7 days; 60 days without events is inactivity.
 */
function lifecycleModel(tweak: (spec: Record<string, any>) => void = () => {}): ScoringModel {
  const spec = baseSpec();
  spec.fit.rules = [
    { id: 'business_email', when: { all: [{ path: 'emailValid', eq: true }, { path: 'emailFreeMail', eq: false }] }, points: 30 },
    { id: 'vp', when: { path: 'person.seniority', eq: 'vp' }, points: 50 },
  ];
  spec.fit.disqualifiers = [{ id: 'competitor', label: 'works at a competitor', when: { path: 'emailDomain', in: ['rival.example'] } }];
  spec.engagement.rules = [
    { id: 'visit', event: 'visit', points: 10, halfLifeDays: 7 },
    { id: 'download', event: 'content_download', points: 15, halfLifeDays: 7 },
    { id: 'newsletter', event: 'newsletter_signup', points: 5, halfLifeDays: 7 },
    { id: 'demo', event: 'demo_request', points: 30, halfLifeDays: 7 },
  ];
  tweak(spec);
  return modelFrom(spec);
}
const model = lifecycleModel();

const state = (stage: LifecycleState['stage'], sinceDaysAgo: number, reason: TransitionReason = 'first_seen', setByPerson = false): LifecycleState => ({
  stage,
  since: daysAgo(sinceDaysAgo),
  reason,
  setByPerson,
});
const visits = (n: number, age = 0) => Array.from({ length: n }, () => event('visit', age));
const classify = (l: Lead, previous: LifecycleState | null, m: ScoringModel = model, at: Date = AT) => qualifyLead({ lead: l, model: m, previous, at });
const signal = { value: 'yes', source: 'hubspot:test' };

describe('entering the funnel', () => {
  test('when an address without name, company or title is first seen, then it is a subscriber (first_seen)', () => {
    const q = classify(lead((l) => (l.email = 'someone@acme.io')), null);
    expect(q.lifecycle).toEqual({ stage: 'subscriber', since: AT.toISOString(), reason: 'first_seen', setByPerson: false });
    expect(q.transition).toMatchObject({ from: null, to: 'subscriber', reason: 'first_seen', at: AT.toISOString(), modelVersion: model.versionId });
    expect(q.transition!.detail).toMatch(/\.$/);
  });

  test('when a subscriber gets a name, then it becomes a lead (known_contact)', () => {
    const q = classify(businessLead(), state('subscriber', 3));
    expect(q.transition).toMatchObject({ from: 'subscriber', to: 'lead', reason: 'known_contact' });
  });

  test('when nothing changed, then there is no transition and the state, with its since, is kept', () => {
    const previous = state('lead', 3, 'known_contact');
    const q = classify(businessLead(), previous);
    expect(q.transition).toBeNull();
    expect(q.lifecycle).toEqual(previous);
  });
});

describe('MQL', () => {
  test('when an acceptable-fit lead downloads content, then it becomes an MQL for marketing interest', () => {
    const q = classify(businessLead((l) => (l.events = [event('content_download', 1)])), state('lead', 10));
    expect(q.transition).toMatchObject({ from: 'lead', to: 'mql', reason: 'marketing_interest' });
    expect(q.transition!.detail).toBe('Downloaded content 1 d ago, with an acceptable fit (grade C).');
  });

  test('when engagement reaches the entry threshold without marketing interest, then it becomes an MQL by engagement', () => {
    const q = classify(businessLead((l) => (l.events = visits(4))), state('lead', 10));
    expect(q.score.engagement).toBe(40);
    expect(q.transition).toMatchObject({ to: 'mql', reason: 'engagement_threshold' });
  });

  test('when engagement is between the exit and entry thresholds, then a lead does not enter MQL', () => {
    const q = classify(businessLead((l) => (l.events = visits(3))), state('lead', 10));
    expect(q.score.engagement).toBe(30);
    expect(q.transition).toBeNull();
  });

  test('when marketing interest is older than its window, then it no longer qualifies', () => {
    const q = classify(businessLead((l) => (l.events = [event('content_download', 31)])), state('lead', 40));
    expect(q.lifecycle.stage).toBe('lead');
  });

  test('when the fit is below the lowest acceptable grade, then interest alone does not make an MQL', () => {
    const freeMail = businessLead((l) => ((l.emailFreeMail = true), (l.events = [event('content_download', 1), ...visits(5)])));
    const q = classify(freeMail, state('lead', 10));
    expect(q.score.grade).toBe('D');
    expect(q.lifecycle.stage).toBe('lead');
  });

  test('when a student or a bounced address engages a lot, then it never becomes an MQL by engagement', () => {
    const student = businessLead((l) => ((l.person.seniority = 'student'), (l.events = [event('content_download', 1), ...visits(8)])));
    const bounced = businessLead((l) => ((l.consent.bounced = true), (l.events = [event('content_download', 1), ...visits(8)])));
    expect(classify(student, state('lead', 10)).lifecycle.stage).toBe('lead');
    expect(classify(bounced, state('lead', 10)).lifecycle.stage).toBe('lead');
  });
});

describe('SQL', () => {
  test('when a lead requests a demo and two BANT signals are known, then it becomes an SQL (sales_request_with_bant)', () => {
    const l = businessLead((x) => {
      x.bant.budget = signal;
      x.bant.authority = signal;
      x.events = [event('demo_request', 2)];
    });
    const q = classify(l, state('mql', 5, 'marketing_interest'));
    expect(q.transition).toMatchObject({ from: 'mql', to: 'sql', reason: 'sales_request_with_bant' });
    expect(q.transition!.detail).toBe('Requested a demo 2 d ago; budget and authority known.');
  });

  test('when a demo is requested with only one BANT signal, then it is not an SQL', () => {
    const l = businessLead((x) => ((x.bant.need = signal), (x.events = [event('demo_request', 2)])));
    expect(classify(l, state('lead', 5)).lifecycle.stage).not.toBe('sql');
  });

  test('when the combined score reaches the SQL threshold, then it becomes an SQL (high_combined_score)', () => {
    const vp = businessLead((x) => ((x.person.seniority = 'vp'), (x.events = visits(8))));
    const q = classify(vp, state('lead', 5));
    expect(q.score.score).toBe(80);
    expect(q.transition).toMatchObject({ to: 'sql', reason: 'high_combined_score' });
  });

  test('when an SQL falls below the SQL exit while still engaged enough for MQL, then it is recycled, never moved back to MQL', () => {
    const l = businessLead((x) => ((x.person.seniority = 'vp'), (x.events = visits(3))));
    const q = classify(l, state('sql', 40, 'high_combined_score'));
    expect(q.score.score).toBeLessThan(60);
    expect(q.score.engagement).toBeGreaterThanOrEqual(20);
    expect(q.lifecycle.stage).toBe('recycled');
    expect(isAutomaticTransitionAllowed('sql', 'mql')).toBe(false);
  });
});

describe('hysteresis and dwell time', () => {
  test('when an MQL is between exit and entry thresholds, then it stays an MQL', () => {
    const q = classify(businessLead((l) => (l.events = visits(3))), state('mql', 30, 'engagement_threshold'));
    expect(q.transition).toBeNull();
  });

  test('when an MQL falls below the exit threshold before its minimum dwell time, then it stays an MQL', () => {
    const q = classify(businessLead((l) => (l.events = visits(1, 3))), state('mql', 13, 'engagement_threshold'));
    expect(q.score.engagement).toBeLessThan(20);
    expect(q.transition).toBeNull();
  });

  test('when an MQL falls below the exit threshold after its dwell time, then it is recycled (score_below_exit_threshold)', () => {
    const q = classify(businessLead((l) => (l.events = visits(1, 3))), state('mql', 14, 'engagement_threshold'));
    expect(q.transition).toMatchObject({ from: 'mql', to: 'recycled', reason: 'score_below_exit_threshold' });
    expect(q.transition!.detail).toMatch(/^Engagement 7\.4\d? fell below the MQL exit threshold 20 after 14 days as MQL; back to nurture\.$/);
  });

  test('when an MQL has had no activity for longer than inactiveDays, then it is recycled after inactivity', () => {
    const q = classify(businessLead((l) => (l.events = visits(5, 70))), state('mql', 80, 'engagement_threshold'));
    expect(q.transition).toMatchObject({ to: 'recycled', reason: 'recycled_after_inactivity' });
  });

  test('when an SQL drops below its exit before 30 days, then it stays; after, then it is recycled', () => {
    const cold = businessLead((l) => (l.events = visits(1, 20)));
    expect(classify(cold, state('sql', 29, 'high_combined_score')).transition).toBeNull();
    expect(classify(cold, state('sql', 31, 'high_combined_score')).transition).toMatchObject({ from: 'sql', to: 'recycled' });
  });

  test('when an SQL still has its recent sales request with BANT, then it holds whatever the score', () => {
    const l = businessLead((x) => ((x.bant.budget = signal), (x.bant.need = signal), (x.events = [event('demo_request', 25)])));
    expect(classify(l, state('sql', 40, 'sales_request_with_bant')).transition).toBeNull();
  });

  test('when engagement hovers around the entry threshold for 90 days, then the lead enters MQL once and never flips', () => {
    const simulate = (m: ScoringModel) => {
      let previous: LifecycleState | null = state('lead', 100, 'known_contact');
      const changes: string[] = [];
      const start = AT.getTime() - 90 * DAY;
      for (let day = 0; day <= 90; day++) {
        const at = new Date(start + day * DAY);
        // A visit every 2.5 days: engagement settles into swings between about 36 and 46 around the entry of 40.
        const events = Array.from({ length: Math.floor(day / 2.5) + 1 }, (_, k) => ({ type: 'visit' as const, at: new Date(start + k * 2.5 * DAY).toISOString(), source: 'hubspot' as const, sourceId: `v${k}` }));
        const q = classify(businessLead((l) => (l.events = events)), previous, m, at);
        if (q.transition) changes.push(`${q.transition.from}→${q.transition.to}`);
        previous = q.lifecycle;
      }
      return changes;
    };
    expect(simulate(model)).toEqual(['lead→mql']);
    // The same lead without hysteresis (exit just under entry, no dwell) flips again and again.
    const jumpy = lifecycleModel((s) => {
      s.thresholds.mql = { on: 'engagement', enter: 40, exit: 39.99, minDwellDays: 0 };
      s.lifecycle.recycled.minDwellDays = 0;
    });
    expect(simulate(jumpy).length).toBeGreaterThan(10);
  });
});

describe('recycled', () => {
  test('when a recycled lead re-engages after the cooldown, then it becomes an MQL again (re_engaged)', () => {
    const q = classify(businessLead((l) => (l.events = [event('content_download', 1)])), state('recycled', 8, 'score_below_exit_threshold'));
    expect(q.transition).toMatchObject({ from: 'recycled', to: 'mql', reason: 're_engaged' });
    expect(q.transition!.detail).toMatch(/^Re-engaged after 8 days in nurture: downloaded content 1 d ago/);
  });

  test('when a recycled lead re-engages within the cooldown, then it stays recycled', () => {
    const q = classify(businessLead((l) => (l.events = [event('content_download', 1)])), state('recycled', 6, 'score_below_exit_threshold'));
    expect(q.transition).toBeNull();
  });

  test('when a recycled lead requests a demo with BANT, then it goes straight to SQL', () => {
    const l = businessLead((x) => ((x.bant.timeline = signal), (x.bant.authority = signal), (x.events = [event('demo_request', 0)])));
    expect(classify(l, state('recycled', 1, 'score_below_exit_threshold')).transition).toMatchObject({ to: 'sql', reason: 'sales_request_with_bant' });
  });
});

describe('disqualified by a rule', () => {
  const rival = businessLead((l) => ((l.email = 'cto@rival.example'), (l.events = [event('content_download', 1)])));

  test('when a hard disqualifier matches an MQL, then it is disqualified naming the rule', () => {
    const q = classify(rival, state('mql', 3, 'marketing_interest'));
    expect(q.lifecycle).toMatchObject({ stage: 'disqualified', reason: 'disqualifier_matched', setByPerson: false });
    expect(q.transition!.detail).toBe('Disqualified by rule competitor: works at a competitor.');
  });

  test('when the disqualifier no longer matches, then the model classifies the lead afresh', () => {
    const q = classify(businessLead((l) => (l.events = [event('content_download', 1)])), state('disqualified', 3, 'disqualifier_matched'));
    expect(q.transition).toMatchObject({ from: 'disqualified', to: 'mql', reason: 'marketing_interest' });
  });
});

describe('stages set by people', () => {
  const hot = (build: (l: Lead) => void) =>
    businessLead((l) => {
      l.person.seniority = 'vp';
      l.bant.budget = signal;
      l.bant.authority = signal;
      l.events = [event('demo_request', 0), ...visits(8)];
      build(l);
    });

  test('when the CRM shows customer, then the lead follows it (set_by_person) and is marked as set by a person', () => {
    const q = classify(hot((l) => (l.stages.hubspot = { stage: 'customer', raw: 'customer' })), state('sql', 40, 'sales_request_with_bant'));
    expect(q.lifecycle).toMatchObject({ stage: 'customer', reason: 'set_by_person', setByPerson: true });
    expect(q.transition).toMatchObject({ from: 'sql', to: 'customer', reason: 'set_by_person' });
  });

  test('when the CRM shows a sales rejection, then the lead is disqualified (sales_rejected) however hot it is', () => {
    const q = classify(hot((l) => (l.stages.hubspot = { stage: 'disqualified', raw: 'UNQUALIFIED' })), state('sql', 3, 'sales_request_with_bant'));
    expect(q.lifecycle).toMatchObject({ stage: 'disqualified', reason: 'sales_rejected', setByPerson: true });
    expect(q.transition!.detail).toBe('Sales rejected the lead in hubspot; the score does not override it.');
  });

  test('when a person-set stage is stored, then a later high score never overrides it', () => {
    const previous = state('disqualified', 20, 'sales_rejected', true);
    expect(classify(hot(() => {}), previous).transition).toBeNull();
    expect(classify(hot((l) => (l.stages.hubspot = { stage: 'disqualified', raw: 'UNQUALIFIED' })), previous).lifecycle).toBe(previous);
  });

  test('when sales rejects a lead the model had already disqualified, then the stage stays without a transition but is now owned by a person', () => {
    const previous = state('disqualified', 5, 'disqualifier_matched');
    const q = classify(businessLead((l) => (l.stages.hubspot = { stage: 'disqualified', raw: 'lead' })), previous);
    expect(q.transition).toBeNull();
    expect(q.lifecycle).toEqual({ ...previous, reason: 'sales_rejected', setByPerson: true });
  });

  test('when the CRM shows a stage qualify writes itself (mql), then it is not taken as a person decision', () => {
    const q = classify(businessLead((l) => (l.stages.hubspot = { stage: 'mql', raw: 'marketingqualifiedlead' })), state('lead', 3, 'known_contact'));
    expect(q.transition).toBeNull();
    expect(q.lifecycle.setByPerson).toBe(false);
  });

  test('when systems disagree, then the furthest person stage wins (opportunity over a rejection)', () => {
    const l = hot((x) => {
      x.stages.hubspot = { stage: 'disqualified', raw: 'UNQUALIFIED' };
      x.stages.salesforce = { stage: 'opportunity', raw: 'Converted' };
    });
    expect(classify(l, null).lifecycle).toMatchObject({ stage: 'opportunity', reason: 'set_by_person', setByPerson: true });
  });

  test('when a person moves an opportunity on to customer, then the lead follows', () => {
    const q = classify(businessLead((l) => (l.stages.salesforce = { stage: 'customer', raw: 'Closed Won' })), state('opportunity', 50, 'set_by_person', true));
    expect(q.transition).toMatchObject({ from: 'opportunity', to: 'customer', reason: 'set_by_person' });
  });
});

test('when qualifyLead answers, then the result satisfies the Qualification contract', () => {
  const q = classify(businessLead((l) => (l.events = [event('content_download', 1)])), null);
  expect(QualificationSchema.parse(q)).toEqual(q);
});
