import { describe, expect, test } from '@jest/globals';
import type { Lead } from '../../src/canonical/lead.schema.js';
import { compileCondition } from '../../src/scoring/compile-condition.js';
import type { ConditionSpec } from '../../src/scoring/scoring-model.schema.js';
import { lead } from './scoring-fixtures.js';

const holds = (c: ConditionSpec, l: Lead) => compileCondition(c)(l);

const vp = lead((l) => {
  l.person.seniority = 'vp';
  l.person.jobTitle = 'VP of Cloud Infrastructure';
  l.company.employees = 250;
  l.company.country = 'DE';
  l.emailFreeMail = false;
  l.bant.budget = { value: '50k', source: 'hubspot:budget' };
  l.attributes.lead_source = 'Google';
  l.attributes.total_visits = '7';
  l.attributes.blank = '  ';
});
const unknown = lead();

describe('comparison operators', () => {
  test('when a value equals eq, then the condition holds, and not for another value', () => {
    expect(holds({ path: 'person.seniority', eq: 'vp' }, vp)).toBe(true);
    expect(holds({ path: 'person.seniority', eq: 'director' }, vp)).toBe(false);
    expect(holds({ path: 'emailFreeMail', eq: false }, vp)).toBe(true);
  });

  test('when ne is asked about a different value, then it holds; about a missing value, then it does not', () => {
    expect(holds({ path: 'person.seniority', ne: 'student' }, vp)).toBe(true);
    expect(holds({ path: 'person.seniority', ne: 'vp' }, vp)).toBe(false);
    expect(holds({ path: 'person.seniority', ne: 'student' }, unknown)).toBe(false);
  });

  test('when numbers are compared with gt, gte, lt, lte, then the bounds are exact', () => {
    expect(holds({ path: 'company.employees', gt: 249 }, vp)).toBe(true);
    expect(holds({ path: 'company.employees', gt: 250 }, vp)).toBe(false);
    expect(holds({ path: 'company.employees', gte: 250 }, vp)).toBe(true);
    expect(holds({ path: 'company.employees', lt: 250 }, vp)).toBe(false);
    expect(holds({ path: 'company.employees', lte: 250 }, vp)).toBe(true);
  });

  test('when several operators share a path, then all must hold: [50, 1000) contains 250 but not 1000', () => {
    expect(holds({ path: 'company.employees', gte: 50, lt: 1000 }, vp)).toBe(true);
    const big = lead((l) => (l.company.employees = 1000));
    expect(holds({ path: 'company.employees', gte: 50, lt: 1000 }, big)).toBe(false);
  });

  test('when a numeric attribute arrives as text, then numeric comparisons and eq still work', () => {
    expect(holds({ path: 'attributes.total_visits', gte: 5 }, vp)).toBe(true);
    expect(holds({ path: 'attributes.total_visits', eq: 7 }, vp)).toBe(true);
    expect(holds({ path: 'attributes.lead_source', gt: 0 }, vp)).toBe(false);
  });

  test('when the value is missing, then no comparison holds', () => {
    expect(holds({ path: 'company.employees', lt: 10 }, unknown)).toBe(false);
    expect(holds({ path: 'company.employees', gte: 0 }, unknown)).toBe(false);
  });
});

describe('set membership', () => {
  test('when the value is in the list, then in holds and not_in does not', () => {
    expect(holds({ path: 'company.country', in: ['US', 'DE'] }, vp)).toBe(true);
    expect(holds({ path: 'company.country', not_in: ['US', 'DE'] }, vp)).toBe(false);
  });

  test('when the value is not in the list, then not_in holds; when it is missing, then neither holds', () => {
    expect(holds({ path: 'company.country', not_in: ['US', 'GB'] }, vp)).toBe(true);
    expect(holds({ path: 'company.country', in: ['US', 'GB'] }, unknown)).toBe(false);
    expect(holds({ path: 'company.country', not_in: ['US', 'GB'] }, unknown)).toBe(false);
  });
});

describe('regex on text', () => {
  test('when matches is case-sensitive by default, then a different case does not match', () => {
    expect(holds({ path: 'person.jobTitle', matches: 'cloud' }, vp)).toBe(false);
    expect(holds({ path: 'person.jobTitle', matches: 'Cloud' }, vp)).toBe(true);
  });

  test('when ignoreCase is set, then the case does not matter', () => {
    expect(holds({ path: 'person.jobTitle', matches: '\\bcloud\\b', ignoreCase: true }, vp)).toBe(true);
  });

  test('when the text is missing, then matches does not hold, not even for ".*"', () => {
    expect(holds({ path: 'person.jobTitle', matches: '.*' }, unknown)).toBe(false);
  });
});

describe('missing and present', () => {
  test('when a field is null, then missing holds and present does not', () => {
    expect(holds({ path: 'company.industry', missing: true }, vp)).toBe(true);
    expect(holds({ path: 'company.industry', present: true }, vp)).toBe(false);
  });

  test('when a BANT signal is known, then present holds on its path', () => {
    expect(holds({ path: 'bant.budget', present: true }, vp)).toBe(true);
    expect(holds({ path: 'bant.need', present: true }, vp)).toBe(false);
  });

  test('when an attribute is blank or absent, then it counts as missing', () => {
    expect(holds({ path: 'attributes.blank', missing: true }, vp)).toBe(true);
    expect(holds({ path: 'attributes.never_mapped', missing: true }, vp)).toBe(true);
  });

  test('when the derived bantKnown and emailDomain paths are read, then they reflect the lead', () => {
    expect(holds({ path: 'bantKnown', eq: 1 }, vp)).toBe(true);
    const l = lead((x) => (x.email = 'eve@competitor.example'));
    expect(holds({ path: 'emailDomain', in: ['competitor.example'] }, l)).toBe(true);
    expect(holds({ path: 'emailDomain', present: true }, unknown)).toBe(false);
  });
});

describe('all, any, not', () => {
  const isVp = { path: 'person.seniority', eq: 'vp' } as const;
  const isUs = { path: 'company.country', eq: 'US' } as const;

  test('when one part is false, then all is false and any is true', () => {
    expect(holds({ all: [isVp, isUs] }, vp)).toBe(false);
    expect(holds({ any: [isVp, isUs] }, vp)).toBe(true);
  });

  test('when every part is true, then all is true; when none is, then any is false', () => {
    expect(holds({ all: [isVp, { path: 'company.country', eq: 'DE' }] }, vp)).toBe(true);
    expect(holds({ any: [isUs, { path: 'person.seniority', eq: 'student' }] }, vp)).toBe(false);
  });

  test('when not wraps a comparison, then it inverts it, so a missing value can be caught on purpose', () => {
    expect(holds({ not: isVp }, vp)).toBe(false);
    expect(holds({ not: { path: 'person.seniority', eq: 'student' } }, unknown)).toBe(true);
  });
});
