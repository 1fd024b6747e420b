import { describe, expect, test } from '@jest/globals';
import { normalizeCountry } from '../../src/canonical/normalize-country.js';

describe('normalizeCountry', () => {
  test.each([
    ['India', 'IN'],
    ['united states', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['England', 'GB'],
    [' Germany ', 'DE'],
    ['de', 'DE'],
    ['Hong Kong', 'HK'],
    ['United Arab Emirates', 'AE'],
  ])('when the country is %p, then the code is %p', (raw, code) => {
    expect(normalizeCountry(raw)).toBe(code);
  });
  test('when the text is no known country, then the cleaned text is kept', () => {
    expect(normalizeCountry(' Asia/Pacific  Region ')).toBe('Asia/Pacific Region');
    expect(normalizeCountry('xx')).toBe('xx');
  });
  test.each(['unknown', 'Select', '', null])('when the country is missing (%p), then it is null', (raw) => {
    expect(normalizeCountry(raw)).toBeNull();
  });
});
