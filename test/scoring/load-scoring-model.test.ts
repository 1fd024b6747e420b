import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScoringModelPath, loadScoringModel } from '../../src/qualification/qualify-lead.js';
import { ScoringModelError, parseScoringModel } from '../../src/scoring/load-scoring-model.js';

const defaultText = readFileSync(defaultScoringModelPath(), 'utf8');

/** The problems a text produces, or a failure if it loads. */
function problemsOf(text: string, file = 'models/broken.yaml') {
  try {
    parseScoringModel(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ScoringModelError);
    return error as ScoringModelError;
  }
  throw new Error('expected the model to be refused');
}

/** 1-based line of the first line containing `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('loading the default model', () => {
  test('when no file is given, then mappings/scoring.yaml loads from the repository root, whatever the cwd', () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const model = loadScoringModel();
      expect(model.versionId).toMatch(/^default@1-[0-9a-f]{8}$/);
      expect(model.spec.fit.rules.length).toBeGreaterThan(10);
    } finally {
      process.chdir(cwd);
    }
  });

  test('when a model is loaded, then it cannot be changed afterwards', () => {
    const model = loadScoringModel();
    expect(() => {
      (model.spec.thresholds.mql as { enter: number }).enter = 1;
    }).toThrow(TypeError);
    expect(() => {
      (model as { versionId: string }).versionId = 'default@1-00000000';
    }).toThrow(TypeError);
  });
});

describe('version id', () => {
  test('when the same content is loaded twice, then it gets the same id', () => {
    expect(parseScoringModel(defaultText).versionId).toBe(parseScoringModel(defaultText).versionId);
  });

  test('when only comments and formatting change, then the id stays the same', () => {
    const reformatted = defaultText.replace(/^# .*$/gm, '# another comment').replace('name: default', 'name:    default   # renamed comment');
    expect(parseScoringModel(reformatted).versionId).toBe(parseScoringModel(defaultText).versionId);
  });

  test('when a rule changes but version is not bumped, then the hash part of the id changes', () => {
    const changed = defaultText.replace('points: 22', 'points: 23');
    const before = parseScoringModel(defaultText).versionId;
    const after = parseScoringModel(changed).versionId;
    expect(after).not.toBe(before);
    expect(after.startsWith('default@1-')).toBe(true);
  });

  test('when version is bumped, then the id names the new version', () => {
    expect(parseScoringModel(defaultText.replace('version: 1', 'version: 2')).versionId).toMatch(/^default@2-[0-9a-f]{8}$/);
  });
});

describe('malformed model files are refused with file, line, path and expectation', () => {
  test('when an operator is misspelt as equals, then the message names the line, the path and the allowed operators', () => {
    const text = defaultText.replace('{ path: person.seniority, eq: vp }', '{ path: person.seniority, equals: vp }');
    const error = problemsOf(text);
    const line = lineOf(text, 'equals: vp');
    expect(error.message).toContain(`models/broken.yaml:${line}:`);
    expect(error.message).toMatch(/fit\.rules\[\d+\]\.when\.equals: unknown operator "equals"; allowed: .*eq, ne, gt, gte, lt, lte, in, not_in, matches, missing, present/);
    expect(error.problems[0]).toMatchObject({ file: 'models/broken.yaml', line });
  });

  test('when a lead path does not exist, then the allowed paths are listed', () => {
    const text = defaultText.replace('{ path: company.country, in:', '{ path: company.contry, in:');
    const error = problemsOf(text);
    expect(error.message).toContain(`models/broken.yaml:${lineOf(text, 'company.contry')}:`);
    expect(error.message).toMatch(/when\.path: unknown lead path "company\.contry"; allowed: .*company\.country.*attributes\.\*/);
  });

  test('when points are not a number, then the message says a number was expected', () => {
    const text = defaultText.replace('points: 22', 'points: lots');
    const error = problemsOf(text);
    expect(error.message).toContain(`:${lineOf(text, 'points: lots')}:`);
    expect(error.message).toMatch(/fit\.rules\[\d+\]\.points: .*expected number/);
  });

  test('when a top-level key is unknown, then the allowed keys are listed', () => {
    const error = problemsOf(defaultText.replace('combined:', 'combined_score:'));
    expect(error.message).toMatch(/combined_score: unknown key "combined_score"; allowed: name, version, description, fit, engagement, combined, thresholds, lifecycle/);
  });

  test('when a required section is missing, then its path is named', () => {
    const error = problemsOf('name: x\nversion: 1\n');
    expect(error.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['fit', 'engagement', 'combined', 'thresholds', 'lifecycle']));
  });

  test('when an event type is unknown, then the canonical event types are listed', () => {
    const text = defaultText.replace('event: page_view, points: 1', 'event: pageview, points: 1');
    const error = problemsOf(text);
    expect(error.message).toContain(`:${lineOf(text, 'event: pageview')}:`);
    expect(error.message).toMatch(/engagement\.rules\[0\]\.event/);
    expect(error.message).toContain('page_view');
  });

  test('when a regex does not compile, then the rule is refused', () => {
    const error = problemsOf(defaultText.replace("matches: 'software|", "matches: '(software|"));
    expect(error.message).toMatch(/when\.matches: not a valid regular expression/);
  });

  test('when a rule names an undeclared group, then the declared groups are listed', () => {
    const text = defaultText.replace('points: 40, halfLifeDays: 21, group: sales }', 'points: 40, halfLifeDays: 21, group: salez }');
    const error = problemsOf(text);
    expect(error.message).toContain(`:${lineOf(text, 'group: salez')}:`);
    expect(error.message).toContain('unknown group "salez"; declared under engagement.groups: web, email, marketing, sales');
  });

  test('when the exit threshold is not below the entry threshold, then the hysteresis is refused', () => {
    const error = problemsOf(defaultText.replace('enter: 35, exit: 15', 'enter: 35, exit: 40'));
    expect(error.message).toContain('thresholds.mql.exit: expected exit below enter (35)');
  });

  test('when two rules share an id, then the duplicate is named', () => {
    const error = problemsOf(defaultText.replace('id: seniority_vp', 'id: seniority_c_level'));
    expect(error.message).toMatch(/duplicate rule id "seniority_c_level"/);
  });

  test('when the YAML itself is broken, then the syntax error names the file and line', () => {
    const error = problemsOf('name: x\nversion: [1, 2\nfit: {}\n');
    expect(error.message).toMatch(/models\/broken\.yaml:\d+:\d+ .*YAML syntax/);
  });

  test('when a file does not exist, then the error names it', () => {
    expect(() => loadScoringModel(join(mkdtempSync(join(tmpdir(), 'qualify-')), 'missing.yaml'))).toThrow(/missing\.yaml.*cannot read the file/s);
  });

  test('when a team file on disk is malformed, then the message carries that file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qualify-'));
    const file = join(dir, 'team.yaml');
    writeFileSync(file, defaultText.replace('mqlMinGrade: C', 'mqlMinGrade: E'));
    expect(() => loadScoringModel(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ lifecycle\\.mqlMinGrade`));
  });
});
