import { describe, expect, test } from '@jest/globals';
import { ScoreResultSchema } from '../../src/qualification/qualification.schema.js';
import { scoreLead } from '../../src/scoring/score-lead.js';
import { AT, baseSpec, event, fitModel, lead, modelFrom } from './scoring-fixtures.js';

describe('fit, grade, band and segment', () => {
  test('when fit points land on each grade cut-off, then the grade is A at 75, B at 50, C at 25, D below', () => {
    const grades = [
      [75, 'A'],
      [74.99, 'B'],
      [50, 'B'],
      [49, 'C'],
      [25, 'C'],
      [24.5, 'D'],
    ] as const;
    for (const [raw, grade] of grades) {
      const m = fitModel([{ id: 'raw', when: { path: 'emailValid', eq: false }, points: raw }]);
      const r = scoreLead(lead(), m, AT);
      expect([r.fit, r.grade]).toEqual([raw, grade]);
    }
  });

  test('when engagement sits on each band cut-off, then the band is 1 at 75, 2 at 50, 3 at 25, 4 below, and the segment joins grade and band', () => {
    for (const [pts, band] of [
      [75, 1],
      [60, 2],
      [25, 3],
      [10, 4],
    ] as const) {
      const spec = baseSpec();
      spec.engagement.rules = [{ id: 'demo', event: 'demo_request', points: pts, windowDays: 30 }];
      spec.fit.rules = [{ id: 'any', when: { path: 'emailValid', eq: false }, points: 80 }];
      const r = scoreLead(lead((l) => (l.events = [event('demo_request', 1)])), modelFrom(spec), AT);
      expect(r.band).toBe(band);
      expect(r.segment).toBe(`A${band}`);
    }
  });

  test('when fit is weighted 3 and engagement 1, then the combined score is (3 × fit + engagement) / 4', () => {
    const spec = baseSpec();
    spec.combined = { fit: 3, engagement: 1 };
    spec.fit.rules = [{ id: 'f', when: { path: 'emailValid', eq: false }, points: 60 }];
    spec.engagement.rules = [{ id: 'demo', event: 'demo_request', points: 20, windowDays: 30 }];
    const r = scoreLead(lead((l) => (l.events = [event('demo_request', 1)])), modelFrom(spec), AT);
    expect(r.score).toBe((3 * 60 + 20) / 4);
  });

  test('when penalties outweigh points under clamp, then fit is 0, not negative', () => {
    const m = fitModel([{ id: 'student', when: { path: 'person.seniority', eq: 'student' }, points: -30 }]);
    expect(scoreLead(lead((l) => (l.person.seniority = 'student')), m, AT).fit).toBe(0);
  });
});

describe('fit transforms (also what a learned model writes)', () => {
  const learned = (transform: Record<string, unknown>) =>
    fitModel(
      [
        // "attribute equals value → w points" and "numeric attribute in [a, b) → w points".
        { id: 'origin_api', when: { path: 'attributes.lead_origin', eq: 'API' }, points: 0.8 },
        { id: 'visits_2_5', when: { path: 'attributes.total_visits', gte: 2, lt: 5 }, points: 1.25 },
        { id: 'do_not_email', when: { path: 'attributes.do_not_email', eq: 'Yes' }, points: -1.5 },
      ],
      (s) => (s.fit.transform = transform),
    );

  test('when the transform is logistic, then fit is 100 × sigmoid(intercept + raw / pointsPerUnit)', () => {
    const m = learned({ type: 'logistic', intercept: -0.5, pointsPerUnit: 1 });
    const r = scoreLead(lead((l) => Object.assign(l.attributes, { lead_origin: 'API', total_visits: '3' })), m, AT);
    expect(r.fit).toBeCloseTo(100 / (1 + Math.exp(-(-0.5 + 0.8 + 1.25))), 2);
    expect(scoreLead(lead(), m, AT).fit).toBeCloseTo(100 / (1 + Math.exp(0.5)), 2);
  });

  test('when the transform is logistic, then more raw points never give a lower fit (ranking is kept)', () => {
    const m = learned({ type: 'logistic', intercept: 0, pointsPerUnit: 2 });
    const fits = [
      lead((l) => (l.attributes.do_not_email = 'Yes')),
      lead(),
      lead((l) => (l.attributes.lead_origin = 'API')),
      lead((l) => Object.assign(l.attributes, { lead_origin: 'API', total_visits: 4 })),
    ].map((l) => scoreLead(l, m, AT).fit);
    expect([...fits].sort((a, b) => a - b)).toEqual(fits);
  });

  test('when the transform scales [min, max], then min maps to 0, max to 100, and beyond is clamped', () => {
    const m = learned({ type: 'scale', min: -1.5, max: 2.05 });
    expect(scoreLead(lead((l) => (l.attributes.do_not_email = 'Yes')), m, AT).fit).toBe(0);
    expect(scoreLead(lead((l) => Object.assign(l.attributes, { lead_origin: 'API', total_visits: 2 })), m, AT).fit).toBe(100);
    expect(scoreLead(lead(), m, AT).fit).toBeCloseTo((1.5 / 3.55) * 100, 2);
  });
});

describe('hard disqualifiers', () => {
  const spec = baseSpec();
  spec.fit.rules = [{ id: 'vp', label: 'VP-level title', when: { path: 'person.seniority', eq: 'vp' }, points: 90 }];
  spec.fit.disqualifiers = [
    { id: 'competitor', label: 'works at a competitor', when: { path: 'emailDomain', in: ['rival.example'] } },
    { id: 'disposable', label: 'disposable email', when: { path: 'emailDisposable', eq: true } },
  ];
  const model = modelFrom(spec);

  test('when a competitor VP is scored, then fit is 0, grade D, and the rule is named', () => {
    const r = scoreLead(lead((l) => ((l.email = 'boss@rival.example'), (l.person.seniority = 'vp'))), model, AT);
    expect(r).toMatchObject({ fit: 0, grade: 'D', disqualifiedBy: 'competitor' });
    expect(r.reasons.startsWith('✗ disqualified: works at a competitor')).toBe(true);
  });

  test('when no disqualifier matches, then disqualifiedBy is null and the fit stands', () => {
    const r = scoreLead(lead((l) => ((l.email = 'boss@acme.io'), (l.person.seniority = 'vp'))), model, AT);
    expect(r).toMatchObject({ fit: 90, grade: 'A', disqualifiedBy: null });
  });
});

describe('reasons', () => {
  const spec = baseSpec();
  spec.fit.rules = [
    { id: 'vp', label: 'VP title', when: { path: 'person.seniority', eq: 'vp' }, points: 20 },
    { id: 'mid', label: 'mid-sized company', when: { path: 'company.employees', gte: 50 }, points: 10 },
    { id: 'country', label: 'target country', when: { path: 'company.country', eq: 'DE' }, points: 2 },
    { id: 'free', label: 'free-mail address', when: { path: 'emailFreeMail', eq: true }, points: -10 },
    { id: 'bounced', label: 'email bounced', when: { path: 'consent.bounced', eq: true }, points: -5 },
    { id: 'optout', label: 'opted out', when: { path: 'consent.optedOut', eq: true }, points: -1 },
  ];
  spec.engagement.rules = [{ id: 'demo', label: 'demo request', event: 'demo_request', points: 30, halfLifeDays: 14 }];
  const model = modelFrom(spec);
  const everything = lead((l) => {
    l.person.seniority = 'vp';
    l.company.employees = 200;
    l.company.country = 'DE';
    l.emailFreeMail = true;
    l.consent = { bounced: true, optedOut: true, doNotCall: false };
    l.events = [event('demo_request', 2)];
  });

  test('when a lead has signals both ways, then the top three positives and top two negatives are listed in plain words', () => {
    expect(scoreLead(everything, model, AT).reasons).toBe('+ demo request (2d ago); + VP title; + mid-sized company; − free-mail address; − email bounced');
  });

  test('when labels are very long, then the text still fits a 255-character CRM field', () => {
    const long = baseSpec();
    long.fit.rules = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, label: `${'very long label '.repeat(8)}${i}`, when: { path: 'emailValid', eq: false }, points: i + 1 }));
    const r = scoreLead(lead(), modelFrom(long), AT);
    expect(r.reasons.length).toBeLessThanOrEqual(255);
    expect(r.reasons.startsWith('+ very long label')).toBe(true);
  });

  test('when nothing scored, then the reasons say so rather than staying empty', () => {
    expect(scoreLead(lead(), model, AT).reasons).toBe('no scoring signals yet');
  });
});

test('when a lead is scored, then the result satisfies the contract and carries the model version and evaluation time', () => {
  const model = fitModel([{ id: 'vp', when: { path: 'person.seniority', eq: 'vp' }, points: 20 }]);
  const r = scoreLead(lead((l) => (l.person.seniority = 'vp')), model, AT);
  expect(ScoreResultSchema.parse(r)).toEqual(r);
  expect(r.modelVersion).toBe(model.versionId);
  expect(r.evaluatedAt).toBe(AT.toISOString());
});

test('when the evaluation time is not a date, then scoring refuses instead of returning NaN scores', () => {
  const model = fitModel([]);
  expect(() => scoreLead(lead(), model, new Date('nonsense'))).toThrow(RangeError);
});
