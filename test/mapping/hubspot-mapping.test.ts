import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { HubSpotContactSchema } from '../../connectors/hubspot/provider.schema.js';
import { historyProperties, mapRecord, outboundProperties, readProperties } from '../../src/mapping/apply-mapping.js';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import type { ScoreResult } from '../../src/qualification/qualification.schema.js';

/** Each fixture holds the raw HubSpot CRM v3 contact and the canonical result it must map to. */
const dir = 'test/fixtures/hubspot';
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as { description: string; raw: unknown; expected: unknown }) }));

const mapping = loadMapping('mappings/hubspot.yaml');

describe('mappings/hubspot.yaml', () => {
  test('when the fixtures are read, then there are several and each is a valid HubSpot contact', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    for (const f of fixtures) expect(HubSpotContactSchema.safeParse(f.raw).success).toBe(true);
  });

  test.each(fixtures.map((f) => [f.name, f] as const))('when %s is mapped, then the canonical lead is exactly the expected one', (_name, f) => {
    expect(mapRecord(mapping, f.raw)).toStrictEqual(f.expected);
  });

  test.each(fixtures.map((f) => [f.name, f] as const))(
    'when %s arrives through the connector schema (SDK dates), then it maps to the same lead',
    (_name, f) => {
      expect(mapRecord(mapping, HubSpotContactSchema.parse(f.raw))).toStrictEqual(f.expected);
    },
  );

  test('when the connector asks what to read, then it gets every standard property the mapping needs', () => {
    const props = readProperties(mapping);
    for (const p of [
      'email', 'firstname', 'lastname', 'jobtitle', 'company', 'website', 'industry', 'numemployees', 'annualrevenue',
      'country', 'lifecyclestage', 'hs_lead_status', 'hs_analytics_num_page_views', 'hs_analytics_num_visits',
      'num_conversion_events', 'recent_conversion_event_name', 'recent_conversion_date', 'first_conversion_event_name',
      'hs_email_optout', 'hs_email_bounce', 'hs_email_open', 'hs_email_click', 'hs_email_last_open_date', 'lastmodifieddate',
    ]) {
      expect(props).toContain(p);
    }
    expect(props).not.toContain('id');
    expect(historyProperties(mapping)).toStrictEqual(['recent_conversion_event_name']);
  });

  test('when results are written back, then they land in the qualify_* properties and lifecyclestage internal values', () => {
    const score: ScoreResult = {
      modelVersion: 'default@1-0f0f0f0f',
      fit: 80,
      engagement: 65.5,
      score: 73.2,
      grade: 'A',
      band: 2,
      segment: 'A2',
      disqualifiedBy: null,
      contributions: [],
      reasons: '+ IT manager; + requested a demo',
      evaluatedAt: '2026-11-20T00:00:00.000Z',
    };
    const at = '2026-11-20T00:00:00.000Z';
    expect(outboundProperties(mapping, { score, lifecycle: { stage: 'sql', since: at, reason: 'sales_request_with_bant', setByPerson: false } })).toStrictEqual({
      qualify_score: '73',
      qualify_fit_score: '80',
      qualify_engagement_score: '66',
      qualify_grade: 'A',
      qualify_segment: 'A2',
      qualify_reasons: '+ IT manager; + requested a demo',
      qualify_model_version: 'default@1-0f0f0f0f',
      lifecyclestage: 'salesqualifiedlead',
    });
    const stages = { subscriber: 'subscriber', lead: 'lead', mql: 'marketingqualifiedlead', sql: 'salesqualifiedlead', opportunity: 'opportunity', customer: 'customer' } as const;
    for (const [stage, value] of Object.entries(stages)) {
      const out = outboundProperties(mapping, { score, lifecycle: { stage: stage as keyof typeof stages, since: at, reason: 'first_seen', setByPerson: false } });
      expect(out.lifecyclestage).toBe(value);
    }
    for (const stage of ['recycled', 'disqualified'] as const) {
      expect(outboundProperties(mapping, { score, lifecycle: { stage, since: at, reason: 'sales_rejected', setByPerson: false } })).not.toHaveProperty('lifecyclestage');
    }
  });
});
