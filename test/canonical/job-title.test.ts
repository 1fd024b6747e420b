import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { loadTitleDictionary, titleDepartment, titleSeniority } from '../../src/canonical/job-title.js';

describe('job title → seniority and department (mappings/titles.yaml)', () => {
  test.each([
    ['CEO', 'c_level', 'executive'],
    ['Co-Founder', 'c_level', 'executive'],
    ['Chief Technology Officer', 'c_level', 'engineering'],
    ['CFO', 'c_level', 'finance'],
    ['Vice President of Sales', 'vp', 'sales'],
    ['Sales VP', 'vp', 'sales'],
    ['Head of DevOps', 'vp', 'it'],
    ['Director of Infrastructure', 'director', 'it'],
    ['IT Manager', 'manager', 'it'],
    ['it manager', 'manager', 'it'],
    ['Marketing Lead', 'manager', 'marketing'],
    ['Senior Software Engineer', 'individual_contributor', 'engineering'],
    ['Student', 'student', 'education'],
    ['Marketing Intern', 'student', 'marketing'],
  ])('when the title is %p, then seniority is %p and department %p', (title, seniority, department) => {
    expect(titleSeniority(title)).toBe(seniority);
    expect(titleDepartment(title)).toBe(department);
  });

  test('when a longer phrase covers a shorter one, then the longer one decides', () => {
    expect(titleSeniority('Vice President')).toBe('vp'); // not "President" → c_level
    expect(titleSeniority('Product Owner')).toBe('individual_contributor'); // not "Owner"
    expect(titleSeniority('Senior Account Manager')).toBe('individual_contributor'); // not "Manager"
  });

  test('when two levels match, then the one listed first in the file wins', () => {
    expect(titleSeniority('Founder & Head of Product')).toBe('c_level');
  });

  test('when a phrase is only part of a word, then it does not match', () => {
    expect(titleSeniority('MVP Evangelist')).toBe('other'); // "VP" inside "MVP"
    expect(titleDepartment('Hitman')).toBe('other'); // "IT" inside "Hitman"
  });

  test('when the title matches nothing, then it is other; when missing, null', () => {
    expect(titleSeniority('Dog walker')).toBe('other');
    expect(titleDepartment('Dog walker')).toBe('other');
    expect(titleSeniority('N/A')).toBeNull();
    expect(titleSeniority('  ')).toBeNull();
    expect(titleDepartment(null)).toBeNull();
    expect(titleSeniority({ title: 'CEO' })).toBeNull();
  });

  test('when a dictionary names an unknown level, then loading fails naming the file and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'titles-'));
    const file = join(dir, 'titles.yaml');
    writeFileSync(file, 'seniority:\n  - level: boss\n    match: [Boss]\ndepartments:\n  - department: it\n    match: [IT]\n');
    expect(() => loadTitleDictionary(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: seniority\\.0\\.level`));
  });

  test('when a custom dictionary is given, then its rules are used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'titles-'));
    const file = join(dir, 'titles.yaml');
    writeFileSync(file, 'seniority:\n  - level: vp\n    match: [Boss]\ndepartments:\n  - department: legal\n    match: [Boss]\n');
    const dict = loadTitleDictionary(file);
    expect(titleSeniority('Big Boss', dict)).toBe('vp');
    expect(titleDepartment('Big Boss', dict)).toBe('legal');
    expect(titleSeniority('CEO', dict)).toBe('other');
  });
});
