import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { emptyLead, type EngagementEvent, type Lead } from '../../src/canonical/lead.schema.js';
import { mergeLeads, type LeadRecord } from '../../src/canonical/merge-leads.js';

function lead(patch: (l: Lead) => void): Lead {
  const l = emptyLead();
  patch(l);
  return l;
}

const event = (source: EngagementEvent['source'], sourceId: string, at: string, extra: Partial<EngagementEvent> = {}): EngagementEvent => ({
  type: 'page_view',
  at,
  source,
  sourceId,
  ...extra,
});

const hubspot: LeadRecord = {
  system: 'hubspot',
  sourceUpdatedAt: '2026-11-01T10:00:00.000Z',
  lead: lead((l) => {
    l.email = 'jane@acme.com';
    l.emailValid = true;
    l.ids = { hubspot: '101' };
    l.person = { firstName: 'Jane', lastName: 'Doe', jobTitle: 'IT Manager', seniority: 'manager', department: 'it' };
    l.company.employees = 250;
    l.company.name = 'Acme';
    l.bant.budget = { value: 'yes', source: 'hubspot:budget' };
    l.consent.optedOut = true;
    l.events = [event('hubspot', '101:page_views', '2026-10-30T00:00:00.000Z', { count: 5 }), event('hubspot', '101:conversion:1', '2026-10-01T00:00:00.000Z', { type: 'demo_request' })];
    l.stages = { hubspot: { stage: 'mql', raw: 'marketingqualifiedlead' } };
    l.attributes = { plan: 'pro', region: 'emea' };
    l.sourceUpdatedAt = '2026-11-01T10:00:00.000Z';
  }),
};

const salesforce: LeadRecord = {
  system: 'salesforce',
  sourceUpdatedAt: '2026-11-05T10:00:00.000Z',
  lead: lead((l) => {
    l.email = 'jane@acme.com';
    l.emailValid = true;
    l.ids = { salesforce: '00Q1' };
    l.person = { firstName: 'Janet', lastName: null, jobTitle: null, seniority: null, department: null };
    l.company.employees = 300;
    l.company.industry = 'Software';
    l.bant.authority = { value: true, source: 'salesforce:Decision_Maker__c' };
    l.consent.doNotCall = true;
    l.events = [event('salesforce', 't-1', '2026-10-15T00:00:00.000Z', { type: 'call' })];
    l.stages = { salesforce: { stage: 'sql', raw: 'Working - Contacted' } };
    l.attributes = { plan: 'enterprise', region: null };
    l.sourceUpdatedAt = '2026-11-05T10:00:00.000Z';
  }),
};

describe('mergeLeads', () => {
  test('when one person exists in two systems, then ids and stages are united and the newest non-null scalar wins', () => {
    const m = mergeLeads([hubspot, salesforce]);
    expect(m.ids).toStrictEqual({ hubspot: '101', salesforce: '00Q1' });
    expect(m.stages).toStrictEqual({
      hubspot: { stage: 'mql', raw: 'marketingqualifiedlead' },
      salesforce: { stage: 'sql', raw: 'Working - Contacted' },
    });
    expect(m.person).toStrictEqual({ firstName: 'Janet', lastName: 'Doe', jobTitle: 'IT Manager', seniority: 'manager', department: 'it' });
    expect(m.company).toMatchObject({ name: 'Acme', employees: 300, industry: 'Software' });
    expect(m.bant).toStrictEqual({
      budget: { value: 'yes', source: 'hubspot:budget' },
      authority: { value: true, source: 'salesforce:Decision_Maker__c' },
      need: null,
      timeline: null,
    });
    expect(m.attributes).toStrictEqual({ plan: 'enterprise', region: 'emea' });
    expect(m.sourceUpdatedAt).toBe('2026-11-05T10:00:00.000Z');
  });

  test('when any system says opted out or do-not-call, then the merged lead says so', () => {
    expect(mergeLeads([hubspot, salesforce]).consent).toStrictEqual({ optedOut: true, bounced: false, doNotCall: true });
  });

  test('when events come from both systems, then they are united and sorted by time', () => {
    const m = mergeLeads([salesforce, hubspot]);
    expect(m.events.map((e) => e.sourceId)).toStrictEqual(['101:conversion:1', 't-1', '101:page_views']);
  });

  test('when the same event is read twice, then it counts once and the newer copy wins', () => {
    const reread: LeadRecord = {
      ...hubspot,
      sourceUpdatedAt: '2026-11-09T00:00:00.000Z',
      lead: { ...hubspot.lead, events: [event('hubspot', '101:page_views', '2026-11-08T00:00:00.000Z', { count: 9 })] },
    };
    const m = mergeLeads([reread, hubspot]);
    const views = m.events.filter((e) => e.sourceId === '101:page_views');
    expect(views).toStrictEqual([event('hubspot', '101:page_views', '2026-11-08T00:00:00.000Z', { count: 9 })]);
    expect(m.events).toHaveLength(2);
  });

  test('when the email is newer in one record, then its flags travel with it', () => {
    const older: LeadRecord = { ...hubspot, lead: { ...hubspot.lead, email: 'jane@gmail.com', emailFreeMail: true } };
    const m = mergeLeads([older, salesforce]);
    expect([m.email, m.emailFreeMail]).toStrictEqual(['jane@acme.com', false]);
  });

  test('when a record has no update time, then it counts as the oldest', () => {
    const unknown: LeadRecord = { ...salesforce, sourceUpdatedAt: null, lead: { ...salesforce.lead, sourceUpdatedAt: null } };
    const m = mergeLeads([hubspot, unknown]);
    expect(m.person.firstName).toBe('Jane');
    expect(m.company.employees).toBe(250);
  });

  test('when there is nothing to merge, then the lead is empty', () => {
    expect(mergeLeads([])).toStrictEqual(emptyLead());
  });

  test('when the inputs are not changed by merging, then merging is a pure function', () => {
    const before = structuredClone([hubspot, salesforce]);
    mergeLeads([hubspot, salesforce]);
    expect([hubspot, salesforce]).toStrictEqual(before);
  });

  test('when the same records come in any order, then the merged lead is the same (property)', () => {
    const third: LeadRecord = { ...salesforce, system: 'marketo', lead: { ...salesforce.lead, ids: { marketo: '7' }, person: { ...salesforce.lead.person, firstName: 'J.' } } };
    const records = [hubspot, salesforce, third];
    const expected = mergeLeads(records);
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: 3, maxLength: 3 }), (shuffled) => {
        expect(mergeLeads(shuffled)).toStrictEqual(expected);
      }),
    );
  });
});
