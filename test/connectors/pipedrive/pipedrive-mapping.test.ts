import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { fieldsByKey, toRawRecord } from '../../../connectors/pipedrive/index.js';
import { PersonFieldSchema, PersonSchema, OrganizationSchema, ActivitySchema, DealSchema } from '../../../connectors/pipedrive/provider.schema.js';
// mapRecord is not exported by the kit (a connector never maps): the test reaches into src/mapping.
import { mapRecord } from '../../../src/mapping/apply-mapping.js';
import { loadMapping } from '../../../src/mapping/load-mapping.js';

const fixture = JSON.parse(readFileSync(resolve('test/connectors/pipedrive/fixtures/person-with-org.json'), 'utf8')) as Record<string, unknown> & {
  expected: Record<string, unknown> & { person: Record<string, unknown>; company: Record<string, unknown>; events: unknown[] };
};

describe('Pipedrive mapping', () => {
  const mapping = loadMapping('mappings/pipedrive.yaml');

  it('when a raw Pipedrive person with its organization, a done meeting and an open deal is mapped, then it becomes the canonical lead in the fixture', () => {
    const fields = fieldsByKey((fixture.personFields as unknown[]).map((f) => PersonFieldSchema.parse(f)));
    const record = toRawRecord(PersonSchema.parse(fixture.person), fields, OrganizationSchema.parse(fixture.organization), {
      activities: (fixture.activities as unknown[]).map((a) => ActivitySchema.parse(a)),
      deals: (fixture.deals as unknown[]).map((d) => DealSchema.parse(d)),
    });
    const { recordId, lead, sourceUpdatedAt } = mapRecord(mapping, record.raw, { system: 'pipedrive' });
    expect(recordId).toBe('17');
    expect(lead.email).toBe(fixture.expected.email);
    expect(lead.emailFreeMail).toBe(fixture.expected.emailFreeMail);
    expect(lead.person).toEqual(fixture.expected.person);
    expect(lead.company).toEqual(fixture.expected.company);
    expect(lead.stages.pipedrive).toEqual(fixture.expected.stage);
    expect(lead.attributes).toEqual(fixture.expected.attributes);
    expect(lead.events.map((e) => ({ type: e.type, at: e.at, sourceId: e.sourceId }))).toEqual(fixture.expected.events);
    expect(sourceUpdatedAt).toBe(fixture.expected.sourceUpdatedAt);
  });

  it('when a person is re-read without activities or deals (a webhook re-read), then it maps without events and nothing else changes', () => {
    const fields = fieldsByKey((fixture.personFields as unknown[]).map((f) => PersonFieldSchema.parse(f)));
    const record = toRawRecord(PersonSchema.parse(fixture.person), fields, OrganizationSchema.parse(fixture.organization));
    const { lead } = mapRecord(mapping, record.raw, { system: 'pipedrive' });
    expect(lead.events).toEqual([]);
    expect(lead.person).toEqual(fixture.expected.person);
  });
});
