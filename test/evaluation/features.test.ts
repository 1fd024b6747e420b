import { describe, expect, test } from '@jest/globals';
import { emptyLead, type Lead } from '../../src/canonical/lead.schema.js';
import { buildFeatures, featureEncoder, fieldName, quantileCuts } from '../../src/evaluation/features.js';
import { splitRows } from '../../src/evaluation/split.js';

function lead(attributes: Lead['attributes'], patch: Partial<Lead> = {}): Lead {
  return { ...emptyLead(), ...patch, attributes };
}

describe('quantileCuts', () => {
  test('when 60 % of values are 0, then 0 gets one bin instead of several identical ones', () => {
    // Quintile positions 2, 4, 6, 8 hold 0, 0, 1, 3: cuts just above each, the repeated 0 once.
    const values = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
    expect(quantileCuts(values, 5)).toEqual([1, 2, 4]);
  });

  test('when values are fractional, then cuts sit between neighbouring values', () => {
    expect(quantileCuts([0.5, 1.5, 2.5, 3.5], 2)).toEqual([3]);
  });

  test('when every value is the same, then there is nothing to cut', () => {
    expect(quantileCuts([4, 4, 4], 4)).toEqual([]);
  });
});

describe('buildFeatures', () => {
  const leads = [
    ...Array.from({ length: 6 }, (_, i) => lead({ origin: 'API', visits: String(i), newsletter: 'Yes' })),
    ...Array.from({ length: 6 }, (_, i) => lead({ origin: 'Landing Page', visits: String(i + 10), newsletter: 'No' })),
    ...Array.from({ length: 4 }, () => lead({ origin: ' ', visits: null, newsletter: 'No' }, { consent: { optedOut: true, bounced: false, doNotCall: false } })),
    lead({ origin: 'Rare', visits: '3', newsletter: 'No' }),
  ];
  const features = buildFeatures(leads, { minSupport: 3, numericBins: 4 });
  const ids = features.map((f) => f.id);

  test('when a value is frequent enough, then it is a rule; a rare value is not', () => {
    expect(ids).toEqual(expect.arrayContaining(['origin.api', 'origin.landing_page']));
    expect(ids.some((id) => id.includes('rare'))).toBe(false);
  });

  test('when a field is blank or null, then "unknown" is its own rule, never a category', () => {
    expect(features.find((f) => f.id === 'origin.missing')?.when).toEqual({ path: 'attributes.origin', missing: true });
    expect(features.find((f) => f.id === 'visits.missing')?.label).toBe('Visits unknown');
  });

  test('when a numeric text field is binned, then the bins are ranges that cover every value once', () => {
    const bins = features.filter((f) => f.when.path === 'attributes.visits' && !f.when.missing);
    expect(bins.length).toBeGreaterThanOrEqual(2);
    expect(bins[0].when.gte).toBeUndefined();
    expect(bins[bins.length - 1].when.lt).toBeUndefined();
    const encode = featureEncoder(bins);
    for (const l of leads.filter((x) => x.attributes.visits !== null)) expect(encode(l)).toHaveLength(1);
  });

  test('when a yes/no field is always answered, then only the rarer answer becomes a rule', () => {
    expect(ids.filter((id) => id.startsWith('newsletter.'))).toEqual(['newsletter.yes']);
  });

  test('when a canonical flag varies, then it is learnable too; constant flags are not', () => {
    expect(ids).toContain('consent_optedout.yes');
    expect(ids.some((id) => id.startsWith('consent_bounced'))).toBe(false);
  });

  test('when leads are encoded, then each gets the indices of the rules it meets', () => {
    const encode = featureEncoder(features);
    const active = encode(leads[0]).map((i) => features[i].id);
    expect(active).toContain('origin.api');
    expect(active).toContain('newsletter.yes');
    expect(active).not.toContain('origin.missing');
  });

  test('when a path is turned into words, then attributes lose their prefix and canonical fields read as words', () => {
    expect(fieldName('attributes.total_time_on_site')).toBe('Total time on site');
    expect(fieldName('consent.optedOut')).toBe('Opted out of email');
  });
});

describe('splitRows', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ i, t: i % 2 === 0 ? 100 - i : null }));

  test('when rows have no order, then the split is a seeded shuffle, the same every time', () => {
    const a = splitRows(rows, { trainFraction: 0.7, seed: 1 });
    const b = splitRows(rows, { trainFraction: 0.7, seed: 1 });
    expect(a.kind).toBe('random');
    expect(a.train).toHaveLength(7);
    expect(a.train).toEqual(b.train);
    expect([...a.train, ...a.test].map((r) => r.i).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.description).toBe('random 70/30 split (seed 1): no order column or timestamps');
  });

  test('when only some rows have a time, then it falls back to random and says why', () => {
    const s = splitRows(rows, { trainFraction: 0.7, seed: 1, order: (r) => r.t, orderName: 'column Created' });
    expect(s.kind).toBe('random');
    expect(s.description).toMatch(/column Created is missing on 5 rows/);
  });

  test('when every row has a time, then the newest 30 % are held out', () => {
    const s = splitRows(rows, { trainFraction: 0.7, seed: 1, order: (r) => -r.i });
    expect(s.kind).toBe('time');
    expect(s.test.map((r) => r.i)).toEqual([2, 1, 0]);
  });
});
