import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { LeadSchema } from '../../src/canonical/lead.schema.js';
import { historyProperties, mapRecord, outboundProperties, readProperties } from '../../src/mapping/apply-mapping.js';
import { parseMapping } from '../../src/mapping/load-mapping.js';
import { MappingError } from '../../src/mapping/mapping-error.js';
import type { LifecycleState, ScoreResult } from '../../src/qualification/qualification.schema.js';

const mapping = parseMapping(
  `version: 1
system: marketo
objectType: lead
record:
  format: json
  id: [id, leadId]
  updatedAt: [fields.updated, updatedAt]
  properties: fields
  history: history
  required: [fields]
email: { from: fields.email }
person:
  jobTitle: { from: fields.title }
  seniority: { from: fields.title, transform: [title_seniority] }
company:
  domain: { from: [fields.website, fields.email], transform: [company_domain] }
  employees: { from: fields.size, transform: [number] }
  country: { from: fields.country, transform: [country] }
bant:
  budget: { from: [fields.budget, fields.budget_range] }
  authority: { from: fields.decision_maker }
consent:
  optedOut: { from: fields.unsubscribed, transform: [boolean] }
  doNotCall: { from: fields.dnc, transform: [not] }
attributes:
  source: { from: fields.source, map: { adwords: Google Ads, bing: Bing Ads }, unmapped: keep }
  tier: { from: fields.tier, map: { gold: 1, silver: 2 }, unmapped: missing }
stage:
  from: fields.status
  map: { New: lead, MQL: mql, Won: customer, Other: null }
  rules:
    - when: { from: fields.rejected, in: ['yes'] }
      stage: disqualified
      unless: [customer]
classifiers:
  activity:
    rules:
      - { match: 'demo', type: demo_request }
      - { match: 'open', type: email_open }
    otherwise: skip
events:
  - kind: history
    property: form
    id: form
    type: form_submission
    fallback: { name: fields.form, at: fields.form_date }
  - kind: single
    id: trial
    type: free_trial
    label: Started a trial
    if: fields.trial
    at: fields.trial_date
  - kind: counter
    from: fields.views
    id: views
    type: page_view
    at: [fields.last_visit, updatedAt]
  - kind: list
    from: activities
    id: act
    itemId: id
    at: when
    name: title
    classifyOn: kind
    classify: activity
outbound:
  score: q_score
  fit: q_fit
  engagement: q_engagement
  grade: q_grade
  band: q_band
  segment: q_segment
  reasons: q_reasons
  modelVersion: q_model
  evaluatedAt: q_at
  stage:
    property: status
    map: { mql: MQL, sql: SQL }
`,
  'test-mapping.yaml',
);

const record = {
  id: 7,
  updatedAt: '2026-11-10T00:00:00Z',
  fields: {
    email: ' Ann@Example.co.uk ',
    title: 'VP Engineering',
    website: 'N/A',
    size: '51-200',
    country: 'USA',
    budget: 'Select',
    budget_range: '10k-50k',
    decision_maker: 'No',
    unsubscribed: 'false',
    dnc: 'no',
    source: 'AdWords',
    tier: 'bronze',
    status: 'MQL',
    form: 'Contact us',
    form_date: '2026-11-01T08:00:00Z',
    trial: 'true',
    trial_date: '2026-11-02T08:00:00Z',
    views: '4',
    last_visit: '2026-11-09T08:00:00Z',
  },
  activities: [
    { id: 'a1', when: '2026-11-03T08:00:00Z', title: 'Cloud demo', kind: 'demo booked' },
    { id: 'a2', when: '2026-11-04T08:00:00Z', title: 'Newsletter', kind: 'opened email' },
    { id: 'a3', when: '2026-11-05T08:00:00Z', title: 'Call', kind: 'phone' }, // classified as skip
    { id: 'a4', when: 'not a time', title: 'x', kind: 'demo' }, // no time: dropped
    'garbage',
  ],
};

describe('mapRecord', () => {
  const { recordId, lead, sourceUpdatedAt } = mapRecord(mapping, record);

  test('when the id is a number, then the record id is its text and the lead carries it for the system', () => {
    expect(recordId).toBe('7');
    expect(lead.ids).toStrictEqual({ marketo: '7' });
  });

  test('when several paths are listed, then the first that yields a value wins, missing markers skipped', () => {
    expect(sourceUpdatedAt).toBe('2026-11-10T00:00:00.000Z');
    expect(lead.company.domain).toBe('example.co.uk'); // website "N/A" → from the business email
    expect(lead.bant.budget).toStrictEqual({ value: '10k-50k', source: 'marketo:budget_range' });
  });

  test('when a BANT answer is a plain no, then it is no signal', () => {
    expect(lead.bant.authority).toBeNull();
  });

  test('when fields are normalised, then email, seniority, size and country are canonical', () => {
    expect([lead.email, lead.emailValid, lead.person.seniority, lead.company.employees, lead.company.country]).toStrictEqual([
      'ann@example.co.uk',
      true,
      'vp',
      126,
      'US',
    ]);
  });

  test('when consent fields read yes/no, then the flags follow (not inverts)', () => {
    expect(lead.consent).toStrictEqual({ optedOut: false, bounced: false, doNotCall: true });
  });

  test('when a value map misses a value, then `keep` keeps it and `missing` drops it; matching ignores case', () => {
    expect(lead.attributes).toStrictEqual({ source: 'Google Ads', tier: null });
  });

  test('when a stage value is mapped, then the canonical stage and the raw value are kept', () => {
    expect(lead.stages).toStrictEqual({ marketo: { stage: 'mql', raw: 'MQL' } });
  });

  test('when events come from a fallback, a flag, a counter and an activity list, then each is one event with a stable id', () => {
    expect(lead.events).toStrictEqual([
      { type: 'form_submission', at: '2026-11-01T08:00:00.000Z', source: 'marketo', sourceId: `7:form:${Date.parse('2026-11-01T08:00:00Z')}`, name: 'Contact us' },
      { type: 'free_trial', at: '2026-11-02T08:00:00.000Z', source: 'marketo', sourceId: `7:trial:${Date.parse('2026-11-02T08:00:00Z')}`, name: 'Started a trial' },
      { type: 'demo_request', at: '2026-11-03T08:00:00.000Z', source: 'marketo', sourceId: 'act:a1', name: 'Cloud demo' },
      { type: 'email_open', at: '2026-11-04T08:00:00.000Z', source: 'marketo', sourceId: 'act:a2', name: 'Newsletter' },
      { type: 'page_view', at: '2026-11-09T08:00:00.000Z', source: 'marketo', sourceId: '7:views', count: 4 },
    ]);
    expect(LeadSchema.parse(lead)).toStrictEqual(lead);
  });

  test('when a history is present, then each entry is one event and the fallback is not used', () => {
    const withHistory = {
      ...record,
      history: {
        form: [
          { value: 'Contact us', timestamp: '2026-11-01T08:00:00Z' },
          { value: 'Pricing', timestamp: new Date('2026-10-01T08:00:00Z') },
          { value: '', timestamp: '2026-09-01T08:00:00Z' }, // cleared value: no event
          { timestamp: 'bad' }, // malformed: skipped, not fatal
        ],
      },
    };
    const forms = mapRecord(mapping, withHistory).lead.events.filter((e) => e.type === 'form_submission');
    expect(forms.map((e) => [e.name, e.at])).toStrictEqual([
      ['Pricing', '2026-10-01T08:00:00.000Z'],
      ['Contact us', '2026-11-01T08:00:00.000Z'],
    ]);
    // Same occurrence read with and without history: same sourceId, so it counts once downstream.
    expect(forms[1].sourceId).toBe(lead.events[0].sourceId);
  });

  test('when the same record is mapped twice, then the result is identical (stable event ids)', () => {
    expect(mapRecord(mapping, structuredClone(record))).toStrictEqual(mapRecord(mapping, record));
  });

  test('when a rejection rule matches, then it decides the stage unless the mapped stage is protected', () => {
    const rejected = { ...record, fields: { ...record.fields, rejected: 'YES' } };
    // raw stays the stage field's own value: the write-back compares against it.
    expect(mapRecord(mapping, rejected).lead.stages.marketo).toStrictEqual({ stage: 'disqualified', raw: 'MQL' });
    const noStatus = { ...rejected, fields: { ...rejected.fields, status: '' } };
    expect(mapRecord(mapping, noStatus).lead.stages.marketo).toStrictEqual({ stage: 'disqualified', raw: '' });
    const won = { ...rejected, fields: { ...rejected.fields, status: 'Won' } };
    expect(mapRecord(mapping, won).lead.stages.marketo).toStrictEqual({ stage: 'customer', raw: 'Won' });
  });

  test('when the stage value is unknown or mapped to null, then the raw value is kept with no canonical stage', () => {
    const odd = { ...record, fields: { ...record.fields, status: 'Nurture' } };
    expect(mapRecord(mapping, odd).lead.stages.marketo).toStrictEqual({ stage: null, raw: 'Nurture' });
    const none = { ...record, fields: { ...record.fields, status: '' } };
    expect(mapRecord(mapping, none).lead.stages).toStrictEqual({});
  });

  test('when a counter is zero or unreadable, then no event is made', () => {
    for (const views of ['0', 'many', '']) {
      const r = { ...record, fields: { ...record.fields, views } };
      expect(mapRecord(mapping, r).lead.events.some((e) => e.type === 'page_view')).toBe(false);
    }
  });

  test('when the system is given, then it overrides the mapping system for ids, stages and events', () => {
    const { lead: l } = mapRecord(mapping, record, { system: 'pardot' });
    expect(Object.keys(l.ids)).toStrictEqual(['pardot']);
    expect(l.events.every((e) => e.source === 'pardot')).toBe(true);
  });

  test.each([
    [null, '', /a lead object, got null/],
    [[1, 2], '', /got an array/],
    ['text', '', /got string/],
    [{ fields: {} }, 'id | leadId', /a record id/],
    [{ id: '1' }, 'fields', /required/],
    [{ id: '1', fields: 'x' }, 'fields', /./],
    [{ id: '1', fields: {}, history: [] }, 'history', /property histories/],
  ])('when the record is %p, then a MappingError names %p', (raw, path, expected) => {
    let error: unknown;
    try {
      mapRecord(mapping, raw);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).path).toBe(path);
    expect((error as MappingError).message).toMatch(expected);
    expect((error as MappingError).message).toContain('marketo lead');
  });

  test('when any JSON is mapped, then the result is a valid lead or a MappingError, never a crash (property)', () => {
    const anyRecord = fc.record({
      id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      fields: fc.dictionary(fc.constantFrom(...Object.keys(record.fields), 'rejected'), fc.jsonValue()),
      history: fc.option(fc.dictionary(fc.constantFrom('form', 'x'), fc.jsonValue())),
      activities: fc.option(fc.array(fc.jsonValue())),
    });
    fc.assert(
      fc.property(anyRecord, (raw) => {
        try {
          const { lead: l } = mapRecord(mapping, raw);
          expect(LeadSchema.safeParse(l).success).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(MappingError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('readProperties / historyProperties', () => {
  test('when a mapping reads properties under record.properties, then exactly those names are listed', () => {
    expect(readProperties(mapping)).toStrictEqual(
      ['budget', 'budget_range', 'country', 'decision_maker', 'dnc', 'email', 'form', 'form_date', 'last_visit', 'rejected', 'size', 'source', 'status', 'tier', 'title', 'trial', 'trial_date', 'unsubscribed', 'updated', 'views', 'website'],
    );
    expect(historyProperties(mapping)).toStrictEqual(['form']);
  });
});

describe('outboundProperties', () => {
  const score: ScoreResult = {
    modelVersion: 'default@1-abc',
    fit: 71.6,
    engagement: 40.2,
    score: 58.49,
    grade: 'B',
    band: 2,
    segment: 'B2',
    disqualifiedBy: null,
    contributions: [],
    reasons: '+ VP title; + requested a demo',
    evaluatedAt: '2026-11-20T00:00:00.000Z',
  };
  const lifecycle = (stage: LifecycleState['stage'], setByPerson = false): LifecycleState => ({
    stage,
    since: '2026-11-19T00:00:00.000Z',
    reason: 'marketing_interest',
    setByPerson,
  });

  test('when a lead is scored, then every mapped output is written as text, scores as whole numbers', () => {
    expect(outboundProperties(mapping, { score, lifecycle: lifecycle('mql') })).toStrictEqual({
      q_score: '58',
      q_fit: '72',
      q_engagement: '40',
      q_grade: 'B',
      q_band: '2',
      q_segment: 'B2',
      q_reasons: '+ VP title; + requested a demo',
      q_model: 'default@1-abc',
      q_at: '2026-11-20T00:00:00.000Z',
      status: 'MQL',
    });
  });

  test('when the stage has no source value, then no stage is written', () => {
    expect(outboundProperties(mapping, { score, lifecycle: lifecycle('recycled') })).not.toHaveProperty('status');
  });

  test('when a person set the stage, then it is not written back', () => {
    expect(outboundProperties(mapping, { score, lifecycle: lifecycle('sql', true) })).not.toHaveProperty('status');
  });

  test('when a mapping has no outbound section, then nothing is written', () => {
    const m = parseMapping('version: 1\nsystem: csv\nobjectType: row\nrecord: { format: csv, id: ID }\n');
    expect(outboundProperties(m, { score, lifecycle: lifecycle('mql') })).toStrictEqual({});
  });
});
