import { describe, expect, test } from '@jest/globals';
import { loadTitleDictionary } from '../../src/canonical/job-title.js';
import { TRANSFORM_NAMES } from '../../src/mapping/mapping.schema.js';
import { TRANSFORMS, applyTransforms } from '../../src/mapping/transforms.js';

const ctx = { titles: loadTitleDictionary() };
const run = (name: keyof typeof TRANSFORMS, v: string | number | boolean | null) => TRANSFORMS[name](v, ctx);

describe('named transforms', () => {
  test('when the schema lists a transform name, then there is exactly one implementation for it', () => {
    expect(Object.keys(TRANSFORMS).sort()).toStrictEqual([...TRANSFORM_NAMES].sort());
  });

  test.each([
    ['trim', '  Acme  Corp ', 'Acme Corp'],
    ['trim', ' Select ', null],
    ['lowercase', 'ACME', 'acme'],
    ['uppercase', 'acme', 'ACME'],
    ['number', '1,000', 1000],
    ['number', '51-200', 126],
    ['number', 'lots', null],
    ['integer', '2.6', 3],
    ['integer', 'x', null],
    ['boolean', 'Yes', true],
    ['boolean', 'No', false],
    ['boolean', 'perhaps', null],
    ['not', 'Yes', false],
    ['not', 'No', true],
    ['not', 'perhaps', null],
    ['date', '2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['date', 'last week', null],
    ['email', ' Jane@ACME.com ', 'jane@acme.com'],
    ['email', 'not-an-email', 'not-an-email'],
    ['title_seniority', 'VP Marketing', 'vp'],
    ['title_seniority', 'Juggler', 'other'],
    ['title_department', 'VP Marketing', 'marketing'],
    ['domain_from_url', 'https://www.acme.co.uk/about', 'acme.co.uk'],
    ['domain_from_url', 'not a url', null],
    ['domain_from_email', 'jane@acme.com', 'acme.com'],
    ['domain_from_email', 'jane@gmail.com', null],
    ['company_domain', 'jane@acme.com', 'acme.com'],
    ['company_domain', 'acme.com', 'acme.com'],
    ['country', 'Deutschland', 'DE'],
    ['country', 'Atlantis', 'Atlantis'],
  ] as const)('when %s reads %p, then the result is %p', (name, input, output) => {
    expect(run(name, input)).toStrictEqual(output);
  });

  test('when a text transform gets a number or boolean, then it passes it through unchanged', () => {
    expect(run('lowercase', 5)).toBe(5);
    expect(run('trim', true)).toBe(true);
  });

  test('when transforms are chained, then they run in order and stop at a missing value', () => {
    expect(applyTransforms(' JANE@Acme.com ', ['trim', 'lowercase', 'domain_from_email'], ctx)).toBe('acme.com');
    expect(applyTransforms('abc', ['number', 'boolean'], ctx)).toBeNull();
    expect(applyTransforms(null, ['country'], ctx)).toBeNull();
    expect(applyTransforms('x', undefined, ctx)).toBe('x');
  });

  test('when every transform gets odd values, then none throws', () => {
    const odd = ['', '   ', '💥', '-', '1e309', 'NaN', '0x10', '<script>', 0, -1, Number.MAX_VALUE, true, false, null];
    for (const name of TRANSFORM_NAMES) for (const v of odd) expect(() => run(name, v)).not.toThrow();
  });
});
