import { describe, expect, test } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { mapRecord, readProperties } from '../../src/mapping/apply-mapping.js';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import { MappingError } from '../../src/mapping/mapping-error.js';

/** Five rows of ../shared/datasets/x-education-leads.csv, exactly as exported (header included). */
const SAMPLE = `Prospect ID,Lead Number,Lead Origin,Lead Source,Do Not Email,Do Not Call,Converted,TotalVisits,Total Time Spent on Website,Page Views Per Visit,Last Activity,Country,Specialization,How did you hear about X Education,What is your current occupation,What matters most to you in choosing a course,Search,Magazine,Newspaper Article,X Education Forums,Newspaper,Digital Advertisement,Through Recommendations,Receive More Updates About Our Courses,Tags,Lead Quality,Update me on Supply Chain Content,Get updates on DM Content,Lead Profile,City,Asymmetrique Activity Index,Asymmetrique Profile Index,Asymmetrique Activity Score,Asymmetrique Profile Score,I agree to pay the amount through cheque,A free copy of Mastering The Interview,Last Notable Activity
7927b2df-8bba-4d29-b9a2-b6e0beafe620,660737,API,Olark Chat,No,No,0,0,0,0,Page Visited on Website,,Select,Select,Unemployed,Better Career Prospects,No,No,No,No,No,No,No,No,Interested in other courses,Low in Relevance,No,No,Select,Select,02.Medium,02.Medium,15,15,No,No,Modified
2a272436-5132-4136-86fa-dcc88c88f482,660728,API,Organic Search,No,No,0,5,674,2.5,Email Opened,India,Select,Select,Unemployed,Better Career Prospects,No,No,No,No,No,No,No,No,Ringing,,No,No,Select,Select,02.Medium,02.Medium,15,15,No,No,Email Opened
2058ef08-2858-443e-a01f-a9237db2f5ce,660680,API,Olark Chat,No,No,0,0,0,0,Olark Chat Conversation,,,,,,No,No,No,No,No,No,No,No,,,No,No,,,01.High,02.Medium,17,15,No,No,Modified
3a0ce10f-d2c1-4213-a2bc-4f97bcd29699,659710,Lead Add Form,Reference,No,No,1,,705,,,,Hospitality Management,Select,Working Professional,Better Career Prospects,No,No,No,No,No,No,No,No,Will revert after reading the email,Low in Relevance,No,No,Potential Lead,Thane & Outskirts,02.Medium,02.Medium,14,16,No,No,Modified
8cc8c611-a219-4f35-ad23-fdfd2656bd8a,660727,Landing Page Submission,Direct Traffic,No,No,1,2,1532,2,Email Opened,India,Business Administration,Select,Student,Better Career Prospects,No,No,No,No,No,No,No,No,Will revert after reading the email,Might be,No,No,Potential Lead,Mumbai,02.Medium,01.High,14,20,No,Yes,Email Opened
`;

const rows = parse(SAMPLE, { columns: true }) as Array<Record<string, string>>;
const mapping = loadMapping('mappings/datasets/x-education.yaml');

/** Filled in by sales after the lead arrived: they leak the outcome and must never be read. */
const LEAKY = [
  'Tags',
  'Lead Quality',
  'Lead Profile',
  'Asymmetrique Activity Index',
  'Asymmetrique Profile Index',
  'Asymmetrique Activity Score',
  'Asymmetrique Profile Score',
  'Last Activity',
  'Last Notable Activity',
];

describe('mappings/datasets/x-education.yaml', () => {
  test('when the mapping is inspected, then it reads no leaky column, nor the label', () => {
    const read = readProperties(mapping);
    for (const column of [...LEAKY, 'Converted']) expect(read).not.toContain(column);
    expect(read.some((c) => c.startsWith('Asymmetrique'))).toBe(false);
  });

  test('when the leaky columns and the label change, then the mapped lead does not change', () => {
    for (const row of rows) {
      const scrambled: Record<string, string> = { ...row, Converted: row.Converted === '1' ? '0' : '1' };
      for (const c of LEAKY) scrambled[c] = 'Closed by Horizzon';
      expect(mapRecord(mapping, scrambled)).toStrictEqual(mapRecord(mapping, row));
    }
  });

  test('when a capture-time column is read, then it is a clean attribute a model can use', () => {
    const lead = mapRecord(mapping, rows[1]).lead;
    expect(lead.attributes).toMatchObject({
      lead_origin: 'API',
      lead_source: 'Organic Search',
      do_not_email: false,
      total_visits: 5,
      time_on_website: 674,
      page_views_per_visit: 2.5,
      occupation: 'Unemployed',
      what_matters_most: 'Better Career Prospects',
      country: 'IN',
      free_interview_copy: false,
    });
    expect(lead.company.country).toBe('IN');
  });

  test('when a form answer is "Select" or blank, then it is missing, never a category', () => {
    const first = mapRecord(mapping, rows[0]).lead;
    expect(first.attributes.specialization).toBeNull(); // "Select"
    expect(first.attributes.heard_about).toBeNull(); // "Select"
    expect(first.attributes.city).toBeNull(); // "Select"
    expect(first.company.country).toBeNull(); // blank
    const blank = mapRecord(mapping, rows[2]).lead;
    expect([blank.attributes.occupation, blank.person.seniority, blank.attributes.what_matters_most]).toStrictEqual([null, null, null]);
    expect(Object.values(mapRecord(mapping, rows[0]).lead.attributes)).not.toContain('Select');
  });

  test('when consent columns say yes, then opted-out and do-not-call are set', () => {
    const row = { ...rows[0], 'Do Not Email': 'Yes', 'Do Not Call': 'Yes' };
    expect(mapRecord(mapping, row).lead.consent).toStrictEqual({ optedOut: true, bounced: false, doNotCall: true });
    expect(mapRecord(mapping, rows[0]).lead.consent).toStrictEqual({ optedOut: false, bounced: false, doNotCall: false });
  });

  test('when the occupation is Student or Working Professional, then seniority follows it', () => {
    const student = rows.find((r) => r['What is your current occupation'] === 'Student')!;
    const pro = rows.find((r) => r['What is your current occupation'] === 'Working Professional')!;
    expect(mapRecord(mapping, student).lead.person.seniority).toBe('student');
    expect(mapRecord(mapping, pro).lead.person.seniority).toBe('individual_contributor');
  });

  test('when the row has visits, a form origin and asked for the free copy, then those are events at the stated fixed time', () => {
    const student = rows.find((r) => r['What is your current occupation'] === 'Student')!;
    const { recordId, lead } = mapRecord(mapping, student);
    expect(lead.events).toStrictEqual([
      { type: 'content_download', at: '2020-01-01T00:00:00.000Z', source: 'csv', sourceId: `${recordId}:interview_copy:1577836800000`, name: 'A free copy of Mastering The Interview' },
      { type: 'form_submission', at: '2020-01-01T00:00:00.000Z', source: 'csv', sourceId: `${recordId}:origin:1577836800000`, name: 'Landing Page Submission' },
      { type: 'visit', at: '2020-01-01T00:00:00.000Z', source: 'csv', sourceId: `${recordId}:visits`, count: 2 },
    ]);
    // An API-origin lead with no visits has no events at all.
    expect(mapRecord(mapping, rows[0]).lead.events).toStrictEqual([]);
  });

  test('when the lead source is spelt in lower case, then it maps to the same value', () => {
    expect(mapRecord(mapping, { ...rows[0], 'Lead Source': 'google' }).lead.attributes.lead_source).toBe('Google');
  });

  test('when every row is mapped, then ids are the Prospect ID and the system is csv', () => {
    for (const row of rows) {
      const { recordId, lead } = mapRecord(mapping, row);
      expect(recordId).toBe(row['Prospect ID']);
      expect(lead.ids).toStrictEqual({ csv: row['Prospect ID'] });
    }
  });

  test('when a row is not a row of text cells or has no id, then a MappingError names the field', () => {
    expect(() => mapRecord(mapping, { ...rows[0], TotalVisits: 5 })).toThrow(MappingError);
    expect(() => mapRecord(mapping, { ...rows[0], TotalVisits: 5 })).toThrow(/TotalVisits/);
    expect(() => mapRecord(mapping, { ...rows[0], 'Prospect ID': '' })).toThrow(/Prospect ID: a record id/);
  });
});
