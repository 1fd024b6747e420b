import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { Lead } from '../../../src/canonical/lead.schema.js';
import { mapRecord } from '../../../src/mapping/apply-mapping.js';
import { loadMapping } from '../../../src/mapping/load-mapping.js';
import { loadScoringModel } from '../../../src/qualification/qualify-lead.js';
import { scoreLead } from '../../../src/scoring/score-lead.js';
import { notificationsToHints, OutboundNotificationsSchema, readOutboundEnvelope } from '../../../connectors/salesforce/salesforce-outbound.js';
import { buildOutboundMessage } from '../../../connectors/salesforce/simulator/outbound-message.js';

const fixture = JSON.parse(readFileSync(resolve('test/fixtures/salesforce/same-person.json'), 'utf8')) as {
  hubspot: unknown;
  salesforce: Record<string, unknown>;
  expected: Record<string, unknown> & { events: Array<{ type: string; at: string }> };
};

const hubspot = loadMapping('mappings/hubspot.yaml');
const salesforce = loadMapping('mappings/salesforce.yaml');

/** What a person is, apart from where it was read: ids, stage and the sources of values. */
function comparable(lead: Lead) {
  return {
    email: lead.email,
    emailValid: lead.emailValid,
    emailFreeMail: lead.emailFreeMail,
    emailDisposable: lead.emailDisposable,
    person: lead.person,
    company: lead.company,
    bant: Object.fromEntries(Object.entries(lead.bant).map(([k, v]) => [k, v?.value ?? null])),
    consent: lead.consent,
    events: lead.events.map((e) => ({ type: e.type, at: e.at })),
  };
}

describe('Salesforce mapping', () => {
  it('when the same person is mapped from a HubSpot contact and from a Salesforce Lead, then the canonical fields and engagement are the same', () => {
    const fromHubSpot = mapRecord(hubspot, fixture.hubspot).lead;
    const fromSalesforce = mapRecord(salesforce, fixture.salesforce).lead;
    expect(comparable(fromSalesforce)).toEqual(fixture.expected);
    expect(comparable(fromHubSpot)).toEqual(comparable(fromSalesforce));
    expect(fromSalesforce.ids).toEqual({ salesforce: '00Q5g000001MkOwEAK' });
    expect(fromSalesforce.stages.salesforce).toEqual({ stage: 'lead', raw: 'Open - Not Contacted' });
    expect(fromSalesforce.bant.budget).toEqual({ value: 'Approved', source: 'salesforce:Budget__c' });
    expect(fromSalesforce.events.map((e) => e.sourceId)).toEqual(['sf-campaign:00v5g00000QwErTAA1', 'sf-meeting:00U5g00000XyZaBAA1']);
  });

  it('when both are scored by the same model at the same time, then they get the same score, fit, engagement and grade', () => {
    const model = loadScoringModel();
    const at = new Date('2026-11-25T12:00:00.000Z');
    const a = scoreLead(mapRecord(hubspot, fixture.hubspot).lead, model, at);
    const b = scoreLead(mapRecord(salesforce, fixture.salesforce).lead, model, at);
    expect({ score: b.score, fit: b.fit, engagement: b.engagement, grade: b.grade, segment: b.segment }).toEqual({ score: a.score, fit: a.fit, engagement: a.engagement, grade: a.grade, segment: a.segment });
    expect(b.score).toBeGreaterThan(0);
  });

  it('when the same Lead arrives as an Outbound Message, then it maps to the same person fields as the REST record', () => {
    const { Tasks: _t, Events: _e, CampaignMembers: _c, attributes: _a, ...fields } = fixture.salesforce;
    const xml = buildOutboundMessage({ organizationId: '00D5g000000ABCDEAA', notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: fields as Record<string, string | number | boolean | null> }] });
    const hint = notificationsToHints(OutboundNotificationsSchema.parse(readOutboundEnvelope(xml)))[0]!;
    const viaSoap = mapRecord(salesforce, hint.record!.raw).lead;
    const viaRest = mapRecord(salesforce, fields).lead;
    expect(comparable(viaSoap)).toEqual(comparable(viaRest));
    expect(viaSoap.sourceUpdatedAt).toBe(viaRest.sourceUpdatedAt);
  });

  it('when a Contact is mapped, then company values come from its Account and it has no Lead Status stage', () => {
    const contact = {
      attributes: { type: 'Contact' },
      Id: '0035g00000XyZaBAAV',
      Email: 'grace@contosohealth.com',
      Title: 'VP Engineering',
      Account: { Name: 'Contoso Health', Website: 'https://www.contosohealth.com', Industry: 'Healthcare', NumberOfEmployees: 4200, AnnualRevenue: 900000000, BillingCountry: 'US' },
      MailingCountry: 'United States',
      HasOptedOutOfEmail: true,
      SystemModstamp: '2026-11-20T10:00:00.000+0000',
      Tasks: [{ Id: '00T5g00000AbCdEAA9', TaskSubtype: 'Call', Subject: 'Discovery call', CreatedDate: '2026-11-19T09:00:00.000+0000' }],
    };
    const lead = mapRecord(salesforce, contact).lead;
    expect(lead.company).toEqual({ name: 'Contoso Health', domain: 'contosohealth.com', employees: 4200, industry: 'HOSPITAL_HEALTH_CARE', annualRevenue: 900000000, country: 'US' });
    expect(lead.person.seniority).toBe('vp');
    expect(lead.consent.optedOut).toBe(true);
    expect(lead.stages).toEqual({});
    expect(lead.events).toEqual([{ type: 'call', at: '2026-11-19T09:00:00.000Z', source: 'salesforce', sourceId: 'sf-call:00T5g00000AbCdEAA9', name: 'Discovery call' }]);
  });
});
