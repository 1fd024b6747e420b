import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, jest, test } from '@jest/globals';

/** `qualify score` is tested as a person runs it: the real bin, a real file or stdin, real exit codes. */
function qualify(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/qualify.js', 'score', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'qualify-score-'));
/** Writes a fixture's raw HubSpot contact (the API's own JSON) to a file of its own. */
function contactFile(name: string, patch: (c: Record<string, any>) => void = () => {}): string {
  const contact = JSON.parse(readFileSync(`test/fixtures/hubspot/${name}.json`, 'utf8')).raw;
  patch(contact);
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(contact));
  return file;
}

const AT = '2026-11-20T00:00:00Z';

// Each case starts the real CLI (tsx compiles on the fly): seconds per process on a busy machine.
jest.setTimeout(120_000);

describe('qualify score --source hubspot', () => {
  test('when a contact file is scored, then the JSON names fit, engagement, score, grade, segment, stage, reasons and model version', () => {
    const r = qualify(['--source', 'hubspot', contactFile('it-manager-cloud-demo'), '--at', AT]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ source: 'hubspot', recordId: '51', email: 'marta.kowalski@nordwind-logistics.de', evaluatedAt: '2026-11-20T00:00:00.000Z' });
    for (const key of ['fit', 'engagement', 'score']) {
      expect(out[key]).toBeGreaterThanOrEqual(0);
      expect(out[key]).toBeLessThanOrEqual(100);
    }
    expect(out.grade).toMatch(/^[ABCD]$/);
    expect(out.segment).toBe(`${out.grade}${out.band}`);
    expect(out.modelVersion).toMatch(/^default@/);
    expect(typeof out.reasons).toBe('string');
    expect(out.reasons.length).toBeGreaterThan(0);
    // Seed example: an IT manager of a mid-sized company asking for a demo with budget, authority and timeline → SQL.
    expect([out.stage, out.stageReason]).toStrictEqual(['sql', 'sales_request_with_bant']);
  });

  test('when the same contact comes on stdin, then the result is the same as from the file', () => {
    const file = contactFile('ebook-returning-visitor');
    const fromFile = qualify([file, '--at', AT]);
    const fromStdin = qualify(['--at', AT], readFileSync(file, 'utf8'));
    const fromDash = qualify(['-', '--at', AT], readFileSync(file, 'utf8'));
    expect(fromFile.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromDash.stdout).toBe(fromFile.stdout);
  });

  test('when the seed examples are scored, then the e-book reader and the business newsletter subscriber are MQL and the free-mail student is not', () => {
    const stage = (name: string) => JSON.parse(qualify([contactFile(name), '--at', '2026-11-21T00:00:00Z']).stdout).stage;
    expect(stage('ebook-returning-visitor')).toBe('mql');
    expect(stage('newsletter-business-email')).toBe('mql');
    expect(['subscriber', 'lead']).toContain(stage('student-free-mail'));
  });

  test('when --at moves later, then engagement decays and the evaluation time is reported', () => {
    const file = contactFile('it-manager-cloud-demo');
    const soon = JSON.parse(qualify([file, '--at', AT]).stdout);
    const later = JSON.parse(qualify([file, '--at', '2027-03-01T00:00:00Z']).stdout);
    expect(later.evaluatedAt).toBe('2027-03-01T00:00:00.000Z');
    expect(later.engagement).toBeLessThan(soon.engagement);
    expect(later.fit).toBe(soon.fit);
  });

  test('when --lead is given, then the canonical lead is printed too', () => {
    const out = JSON.parse(qualify([contactFile('newsletter-business-email'), '--at', AT, '--lead']).stdout);
    expect(out.lead.company.domain).toBe('acme-retail.co.uk');
    expect(out.lead.ids).toStrictEqual({ hubspot: '53' });
  });

  test('when --model names another model file, then that model scores and its version is reported', () => {
    const model = join(dir, 'team-model.yaml');
    writeFileSync(model, readFileSync('mappings/scoring.yaml', 'utf8').replace(/^name: default$/m, 'name: team'));
    const out = JSON.parse(qualify([contactFile('it-manager-cloud-demo'), '--at', AT, '--model', model]).stdout);
    expect(out.modelVersion).toMatch(/^team@/);
  });

  test('when the file is not JSON, then it fails naming the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"id": "1", "properties": ');
    const r = qualify([file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: not valid JSON`);
  });

  test('when the contact does not have the API shape, then it fails naming the file and the field', () => {
    const file = contactFile('it-manager-cloud-demo', (c) => {
      c.properties.email = 42;
      delete c.createdAt;
    });
    const r = qualify([file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not a HubSpot CRM v3 contact');
    expect(r.stderr).toContain(`${file}: properties.email:`);
    expect(r.stderr).toContain(`${file}: createdAt:`);
  });

  test('when the file does not exist, then it fails naming the file', () => {
    const r = qualify([join(dir, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.json: cannot read the file (ENOENT)');
  });

  test('when a flag is invalid, then it fails with usage exit code 2 naming the flag', () => {
    const file = contactFile('it-manager-cloud-demo');
    const badAt = qualify([file, '--at', 'yesterday']);
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toContain('--at: expected an ISO-8601 time');
    const badSource = qualify(['--source', 'hubspt', file]);
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('--source: unknown source "hubspt"; supported: hubspot');
  });

  test('when --mapping has a misspelt key, then it fails naming the mapping file and line', () => {
    const mapping = join(dir, 'bad-mapping.yaml');
    writeFileSync(mapping, readFileSync('mappings/hubspot.yaml', 'utf8').replace('  firstName: { from: properties.firstname }', '  firstNmae: { from: properties.firstname }'));
    const line = readFileSync(mapping, 'utf8').split('\n').findIndex((l) => l.includes('firstNmae')) + 1;
    const r = qualify([contactFile('it-manager-cloud-demo'), '--mapping', mapping]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${mapping}:${line}: person.firstNmae: unknown key "firstNmae"`);
  });
});
