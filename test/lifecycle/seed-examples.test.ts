import { describe, expect, test } from '@jest/globals';
import type { Lead } from '../../src/canonical/lead.schema.js';
import type { LifecycleState } from '../../src/qualification/qualification.schema.js';
import { loadScoringModel, qualifyLead } from '../../src/qualification/qualify-lead.js';
import { AT, DAY, event, lead } from '../scoring/scoring-fixtures.js';

/** The seed's own examples, through the shipped default model (mappings/scoring.yaml). */
const model = loadScoringModel();
const qualify = (l: Lead, previous: LifecycleState | null = null, at: Date = AT) => qualifyLead({ lead: l, model, previous, at });

const itManager = lead((l) => {
  l.email = 'ian.moss@northwind-logistics.com';
  l.emailValid = true;
  l.person = { firstName: 'Ian', lastName: 'Moss', jobTitle: 'IT Manager', seniority: 'manager', department: 'it' };
  l.company = { name: 'Northwind Logistics', domain: 'northwind-logistics.com', employees: 240, industry: 'Logistics', annualRevenue: null, country: 'DE' };
  l.bant.budget = { value: 'approved for this year', source: 'hubspot:budget' };
  l.bant.authority = { value: 'decision maker', source: 'hubspot:buying_role' };
  l.bant.timeline = { value: 'within 3 months', source: 'hubspot:timeline' };
  l.events = [event('page_view', 3, { count: 4 }), event('demo_request', 1, { name: 'Cloud demo request' })];
});

const ebookReader = lead((l) => {
  l.email = 'maria.lopez@fabrikam.es';
  l.emailValid = true;
  l.person = { firstName: 'María', lastName: 'López', jobTitle: 'Operations Analyst', seniority: 'individual_contributor', department: 'operations' };
  l.company.domain = 'fabrikam.es';
  l.events = [event('content_download', 20, { name: 'E-book: moving to the cloud' }), ...[18, 14, 11, 7, 4, 2, 1].map((d) => event('visit', d))];
});

const newsletterSubscriber = lead((l) => {
  l.email = 'j.smith@contoso.co.uk';
  l.emailValid = true;
  l.company.domain = 'contoso.co.uk';
  l.events = [event('newsletter_signup', 2, { name: 'Monthly newsletter' })];
});

const student = lead((l) => {
  l.email = 'cloudfan2003@gmail.com';
  l.emailValid = true;
  l.emailFreeMail = true;
  l.person = { firstName: 'Sam', lastName: null, jobTitle: 'Student', seniority: 'student', department: 'education' };
  l.events = [
    ...Array.from({ length: 12 }, (_, i) => event('content_download', i * 2, { name: `E-book ${i}` })),
    event('webinar', 3),
    event('webinar', 10),
    event('newsletter_signup', 30),
    ...Array.from({ length: 20 }, (_, i) => event('visit', i)),
  ];
});

describe('the seed examples through the default model', () => {
  test('when an IT manager of a mid-sized company asks for a cloud demo with budget, authority and a 3-month timeline, then they are an SQL', () => {
    const q = qualify(itManager);
    expect(q.lifecycle).toMatchObject({ stage: 'sql', reason: 'sales_request_with_bant', setByPerson: false });
    expect(q.transition!.detail).toBe('Requested a demo 1 d ago; budget, authority and timeline known.');
    expect(q.score.grade).toBe('A');
    expect(q.score.reasons).toContain('+ demo request (1d ago)');
  });

  test('when a person downloads an e-book and keeps coming back to the website, then they are an MQL', () => {
    const q = qualify(ebookReader);
    expect(q.lifecycle).toMatchObject({ stage: 'mql', reason: 'marketing_interest' });
    expect(q.score.reasons).toMatch(/\+ website visits \(1d ago\)/);
  });

  test('when a newsletter subscriber has a business email, then they are an MQL', () => {
    const q = qualify(newsletterSubscriber);
    expect(q.lifecycle).toMatchObject({ stage: 'mql', reason: 'marketing_interest' });
    expect(q.score.reasons).toContain('+ business email address');
  });

  test('when a student on a free-mail address downloads everything, then they are not an MQL', () => {
    const q = qualify(student);
    expect(['subscriber', 'lead']).toContain(q.lifecycle.stage);
    expect(q.score.grade).toBe('D');
    expect(q.score.engagement).toBeGreaterThan(50);
    expect(q.score.reasons).toMatch(/− student/);
  });

  test('when an opted-out person, a bounced address or a competitor engages like the e-book reader, then none of them becomes an MQL', () => {
    // The e-book reader is an MQL (above); each of these is the same person with one thing changed.
    const variant = (change: (l: Lead) => void) =>
      lead((l) => {
        Object.assign(l, structuredClone(ebookReader));
        change(l);
      });
    const optedOut = qualify(variant((l) => (l.consent.optedOut = true)));
    const bounced = qualify(variant((l) => (l.consent.bounced = true)));
    const competitor = qualify(variant((l) => ((l.email = 'maria.lopez@madkudu.com'), (l.company.domain = 'madkudu.com'))));
    for (const q of [optedOut, bounced, competitor]) {
      expect(q.lifecycle.stage).not.toBe('mql');
      expect(q.lifecycle.stage).not.toBe('sql');
      expect(q.score.engagement).toBeGreaterThan(0); // engaged all the same
    }
    expect(competitor.lifecycle.stage).toBe('disqualified');
    expect(optedOut.score.reasons).toMatch(/opted out/i);
  });

  test('when the newsletter MQL hears nothing more for four months, then it is recycled to nurture, and a new download brings it back', () => {
    const entered = qualify(newsletterSubscriber);
    const later = new Date(AT.getTime() + 120 * DAY);
    const quiet = qualify(newsletterSubscriber, entered.lifecycle, later);
    expect(quiet.transition).toMatchObject({ from: 'mql', to: 'recycled', reason: 'recycled_after_inactivity' });

    const back = lead((l) => {
      Object.assign(l, structuredClone(newsletterSubscriber));
      l.events = [...newsletterSubscriber.events, { type: 'content_download', at: new Date(later.getTime() + 10 * DAY).toISOString(), source: 'hubspot', sourceId: 'dl-back' }];
    });
    const reEngaged = qualify(back, quiet.lifecycle, new Date(later.getTime() + 11 * DAY));
    expect(reEngaged.transition).toMatchObject({ from: 'recycled', to: 'mql', reason: 're_engaged' });
  });

  test('when sales marks the IT manager as unqualified in HubSpot, then the stage follows the person, not the score', () => {
    const rejected = lead((l) => {
      Object.assign(l, structuredClone(itManager));
      l.stages.hubspot = { stage: 'disqualified', raw: 'UNQUALIFIED' };
    });
    const q = qualify(rejected, qualify(itManager).lifecycle);
    expect(q.lifecycle).toMatchObject({ stage: 'disqualified', reason: 'sales_rejected', setByPerson: true });
    expect(q.score.grade).toBe('A');
  });
});
