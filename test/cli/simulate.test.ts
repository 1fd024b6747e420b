import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DATA = 'test/evaluation/fixtures/demo-leads.csv';
const MAPPING = 'test/evaluation/fixtures/demo-leads.mapping.yaml';
const AT = '2026-01-01T00:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'qualify-simulate-'));
const candidate = join(dir, 'candidate.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows a dry run can use: every complete row (it reads no outcome, so an odd label is no problem). */
const rows = readFileSync(DATA, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const valid = rows.filter((r) => r.length === 5);
const proRows = valid.filter((r) => r[1] === 'pro');

beforeAll(() => {
  // The default model plus one rule: "pro" plan +70 fit. These leads have no email (−10), so a
  // pro lead's fit goes from 0 (grade D) to 60 (grade A, cut-off 60); nobody else moves.
  const base = readFileSync('mappings/scoring.yaml', 'utf8');
  const changed = base
    .replace(/^name: default$/m, 'name: candidate')
    .replace(
      /^ {4}- id: business_email$/m,
      ['    - id: pro_plan', '      label: on the pro plan', '      when: { path: attributes.plan, eq: pro }', '      points: 70', '    - id: business_email'].join('\n'),
    );
  expect(changed).toContain('id: pro_plan');
  writeFileSync(candidate, changed);
});

function qualify(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/qualify.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('qualify simulate', () => {
  test('when a rule raises fit for pro leads, then exactly those leads move from D to A and none move down', () => {
    const before = { files: readdirSync(dir).sort(), mtime: statSync(candidate).mtimeMs };
    const run = qualify('simulate', '--model', candidate, '--data', DATA, '--mapping', MAPPING, '--at', AT, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.leads).toBe(valid.length);
    expect(out.csv.rejected).toBe(1);
    expect(out.baseline.versionId).toMatch(/^default@/);
    expect(out.candidate.versionId).toMatch(/^candidate@/);
    expect(out.grades.counts.D.A).toBe(proRows.length);
    expect(out.grades).toMatchObject({ upgraded: proRows.length, downgraded: 0, unchanged: valid.length - proRows.length });
    expect(out.stages.downgraded).toBe(0);
    expect(out.score.decreased).toBe(0);

    const proIds = new Set(proRows.map((r) => r[0]));
    expect(out.examples.upgraded).toHaveLength(5);
    for (const e of out.examples.upgraded) {
      expect(proIds.has(e.recordId)).toBe(true);
      expect(e.grade).toEqual({ from: 'D', to: 'A' });
      expect(e.reasons).toContain('on the pro plan');
    }
    expect(out.examples.downgraded).toEqual([]);
    // A dry run: nothing was written next to the model, and the model file is untouched.
    expect({ files: readdirSync(dir).sort(), mtime: statSync(candidate).mtimeMs }).toEqual(before);
  }, 120_000);

  test('when the change is undone (the old model as candidate), then the same leads move down as moved up, and stage moves mirror too', () => {
    const up = JSON.parse(qualify('simulate', '--model', candidate, '--data', DATA, '--mapping', MAPPING, '--at', AT, '--json').stdout);
    const run = qualify('simulate', '--model', 'mappings/scoring.yaml', '--baseline', candidate, '--data', DATA, '--mapping', MAPPING, '--at', AT, '--json');
    expect(run.code).toBe(0);
    const down = JSON.parse(run.stdout);
    expect(down.grades).toMatchObject({ upgraded: 0, downgraded: proRows.length });
    expect(down.grades.counts.A.D).toBe(proRows.length);
    // Stages mirror: whatever moved one way under the new rule moves the other way without it.
    expect(down.stages).toMatchObject({ upgraded: up.stages.downgraded, downgraded: up.stages.upgraded, unchanged: up.stages.unchanged });
    expect(down.score.increased).toBe(0);
    for (const e of down.examples.downgraded) expect(e.grade).toEqual({ from: 'A', to: 'D' });
  }, 120_000);

  test('when the candidate is the baseline, then nothing changes', () => {
    const run = qualify('simulate', '--model', candidate, '--baseline', candidate, '--data', DATA, '--mapping', MAPPING, '--at', AT);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('qualify simulate (dry run, nothing written)');
    expect(run.stdout).toMatch(new RegExp(`grade: 0 up, 0 down, ${valid.length} unchanged`));
    expect(run.stdout).toMatch(new RegExp(`stage: 0 up, 0 down, ${valid.length} unchanged`));
    expect(run.stdout).toContain('examples moving up: none');
  }, 120_000);

  test('when the text report is printed, then it shows the grade matrix and examples with row, change and reasons', () => {
    const run = qualify('simulate', '--model', candidate, '--data', DATA, '--mapping', MAPPING, '--at', AT, '--examples', '2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`grade: ${proRows.length} up, 0 down, ${valid.length - proRows.length} unchanged`));
    // Only grades that occur are shown: D → A for the pro leads, D → D for the rest.
    expect(run.stdout).toMatch(new RegExp(`\\n {2}D +${proRows.length} +\\(${valid.length - proRows.length}\\)\\n`));
    const examples = run.stdout.split('examples moving up:\n')[1].split('\n').filter((l) => l.startsWith('  row '));
    expect(examples).toHaveLength(2);
    expect(examples[0]).toMatch(/^ {2}row \d+ \(L\d{4}\): stage \w+ → \w+, grade D → A, score [\d.]+ → [\d.]+; .*on the pro plan/);
  }, 120_000);

  test('when the candidate model is malformed, then the error names the file, line and path', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(candidate, 'utf8').replace('points: 70', 'pointz: 70'));
    const run = qualify('simulate', '--model', broken, '--data', DATA, '--mapping', MAPPING);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken\.yaml:\d+:\d+ fit\.rules\[\d+\]\.pointz: unknown key "pointz"/);
  }, 120_000);

  test('when --examples is not a whole number, then the flag is named', () => {
    const run = qualify('simulate', '--model', candidate, '--data', DATA, '--mapping', MAPPING, '--examples', '-1');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--examples: expected 0 or more');
  }, 120_000);
});
