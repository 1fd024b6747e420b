import { describe, expect, test } from '@jest/globals';
import { cleanScalar, cleanText, isMissing } from '../../src/canonical/missing-value.js';
import { parseBoolean, parseDate, parseNumber } from '../../src/canonical/parse-number.js';

describe('missing values', () => {
  test.each([null, undefined, '', '   ', 'Select', 'select', 'N/A', 'n/a', '-', 'none', 'None', 'unknown', NaN])(
    'when the value is %p, then it is missing',
    (raw) => {
      expect(isMissing(raw)).toBe(true);
      expect(cleanScalar(raw)).toBeNull();
    },
  );
  test('when the value is text, then it is trimmed with inner whitespace collapsed', () => {
    expect(cleanText('  Landing   Page\tSubmission ')).toBe('Landing Page Submission');
  });
  test('when the value is 0 or false, then it is a value, not missing', () => {
    expect(cleanScalar(0)).toBe(0);
    expect(cleanScalar(false)).toBe(false);
  });
  test('when the value is an object or array, then it is no scalar', () => {
    expect(cleanScalar({ a: 1 })).toBeNull();
    expect(cleanScalar([1])).toBeNull();
  });
});

describe('parseNumber', () => {
  test.each([
    ['1,000', 1000],
    ['  42 ', 42],
    ['$2,500.50', 2500.5],
    ['10k', 10000],
    ['2.5M', 2500000],
    ['51-200', 126],
    ['51 – 200', 126],
    ['10 to 50', 30],
    ['1000+', 1000],
    ['>1000', 1000],
    ['<10', 10],
    ['-5', -5],
    [7, 7],
  ])('when the text is %p, then the number is %p', (raw, n) => {
    expect(parseNumber(raw)).toBe(n);
  });
  test.each(['lots', 'Select', 'N/A', '', '1-2-3', 'abc-200', true, null, {}])('when the text is %p, then there is no number', (raw) => {
    expect(parseNumber(raw)).toBeNull();
  });
});

describe('parseBoolean', () => {
  test.each([
    ['Yes', true],
    ['true', true],
    ['1', true],
    ['3', true],
    [2, true],
    ['No', false],
    ['false', false],
    ['0', false],
    [0, false],
    [true, true],
  ])('when the text is %p, then it reads %p', (raw, b) => {
    expect(parseBoolean(raw)).toBe(b);
  });
  test.each(['maybe', 'Select', '', null])('when the text is %p, then it is unknown', (raw) => {
    expect(parseBoolean(raw)).toBeNull();
  });
});

describe('parseDate', () => {
  test.each([
    ['2026-11-20T10:15:30.123Z', '2026-11-20T10:15:30.123Z'],
    ['2026-11-20T12:15:30+02:00', '2026-11-20T10:15:30.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20 10:15', '2026-11-20T10:15:00.000Z'],
    ['1732700000000', '2024-11-27T09:33:20.000Z'],
  ])('when the text is %p, then the instant is %p', (raw, iso) => {
    expect(parseDate(raw)).toBe(iso);
  });
  test.each(['yesterday', '2026-13-45', '12/11/2026', '1732700000', '', null])('when the text is %p, then there is no date', (raw) => {
    expect(parseDate(raw)).toBeNull();
  });
});
