import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { formatIssues, readCsv, RowRejectedError } from '../../src/evaluation/read-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'qualify-read-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('readCsv', () => {
  test('when every row is fine, then each arrives keyed by header with its row number', async () => {
    const file = csv('ok.csv', '\uFEFFid,name,"note, quoted"\n1,Ada,"a, b"\n2,Bob,\n');
    const { items, header, report } = await readCsv(file, (r) => r, { progress: false });
    expect(header).toEqual(['id', 'name', 'note, quoted']);
    expect(items).toEqual([
      { row: 1, value: { id: '1', name: 'Ada', 'note, quoted': 'a, b' } },
      { row: 2, value: { id: '2', name: 'Bob', 'note, quoted': '' } },
    ]);
    expect(report).toMatchObject({ rows: 2, accepted: 2, rejected: 0, issues: [] });
  });

  test('when rows have the wrong field count or the handler rejects them, then they are counted, not fatal', async () => {
    const file = csv('bad.csv', 'id,label\n1,1\n2\n3,maybe\n4,0,extra\n5,0\n');
    const Label = z.object({ label: z.enum(['0', '1']) });
    const { items, report } = await readCsv(
      file,
      (r) => {
        if (r.id === '5') throw new RowRejectedError('id', 'id 5 is blocked');
        return Label.parse(r).label;
      },
      { progress: false },
    );
    expect(items.map((i) => i.row)).toEqual([1]);
    expect(report).toMatchObject({ rows: 5, accepted: 1, rejected: 4 });
    expect(formatIssues(report)).toEqual([
      'row 2 (line 3): expected 2 fields, got 1',
      expect.stringMatching(/^row 3 \(line 4\), field "label": /),
      'row 4 (line 5): expected 2 fields, got 3',
      'row 5 (line 6), field "id": id 5 is blocked',
    ]);
  });

  test('when more rows fail than maxIssues, then all are counted and only the first are detailed', async () => {
    const file = csv('many.csv', 'a,b\n' + Array.from({ length: 30 }, () => '1\n').join(''));
    const { report } = await readCsv(file, (r) => r, { progress: false, maxIssues: 3 });
    expect(report.rejected).toBe(30);
    expect(report.issues.map((i) => i.row)).toEqual([1, 2, 3]);
  });

  test('when a quote is never closed, then the rest is reported as a skipped record, not thrown', async () => {
    const file = csv('quote.csv', 'a,b\n1,2\n"3,4\n5,6\n');
    const { items, report } = await readCsv(file, (r) => r, { progress: false });
    expect(items).toHaveLength(1);
    expect(report.rejected).toBe(1);
    expect(report.issues[0].message).toMatch(/quote/i);
  });

  test('when the handler has a bug (not a row error), then it is not swallowed', async () => {
    const file = csv('bug.csv', 'a\n1\n');
    await expect(
      readCsv(
        file,
        () => {
          throw new TypeError('boom');
        },
        { progress: false },
      ),
    ).rejects.toThrow('boom');
  });

  test('when the file is missing, empty or has a duplicate column, then the error names the file', async () => {
    await expect(readCsv(join(dir, 'nope.csv'), (r) => r)).rejects.toThrow(/nope\.csv/);
    await expect(readCsv(csv('empty.csv', ''), (r) => r)).rejects.toThrow(/empty\.csv.*empty/);
    await expect(readCsv(csv('dup.csv', 'a,a\n1,2\n'), (r) => r)).rejects.toThrow(/dup\.csv.*"a" appears twice/);
  });
});
