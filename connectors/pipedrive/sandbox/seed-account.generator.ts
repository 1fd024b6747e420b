import type { ActivityRecord, DealRecord, OrganizationRecord, PersonRecord } from './crm-records.js';
import type { PersonFieldCatalog } from './person-fields.catalog.js';
import { createRng, type Rng } from './seeded-random.js';

/**
 * A realistic small-B2B Pipedrive account, a pure function of (seed, sizes, start): fictional
 * organizations with industry, size, revenue and address; persons at them (work, free-mail and a
 * few student addresses), with a "Job title" text field, "Lead source" single option and
 * "Interests" multiple option custom fields; activities (calls, meetings, emails) and deals.
 * Times lie in the 180 days before `start`, never after it, so an incremental sync that starts
 * from `start` sees exactly the changes made later.
 */

export interface SeedOptions {
  persons: number;
  seed: number;
  /** Latest add/update time of seeded records. */
  start: number;
  ownerIds: number[];
}

export interface SeededAccount {
  organizations: OrganizationRecord[];
  persons: PersonRecord[];
  activities: ActivityRecord[];
  deals: DealRecord[];
}

const DAY = 86_400_000;

/** Option ids of the standard organization `industry` field used by the seed. */
export const INDUSTRIES: ReadonlyArray<{ id: number; label: string }> = [
  { id: 1, label: 'Software' }, { id: 2, label: 'Financial services' }, { id: 3, label: 'Healthcare' },
  { id: 4, label: 'Manufacturing' }, { id: 5, label: 'Retail' }, { id: 6, label: 'Logistics' },
  { id: 7, label: 'Education' }, { id: 8, label: 'Marketing' },
];

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Mateo', 'Priya', 'Arjun', 'Mei', 'Yuki', 'Jonas', 'Lena', 'Hugo',
  'Ines', 'Giulia', 'Sven', 'Freya', 'Zofia', 'Kwame', 'Amara', 'Diego', 'Grace', 'Daniel', 'Nora', 'Kenji', 'Rosa', 'Elena', 'Rahul'];
const LAST = ['Smith', 'Garcia', 'Miller', 'Martinez', 'Lee', 'Walker', 'Mueller', 'Schmidt', 'Rossi', 'Dubois', 'Jansen',
  'Nowak', 'Svensson', 'Hansen', 'Okafor', 'Mensah', 'Patel', 'Sharma', 'Tanaka', 'Kim', 'Nguyen', 'Silva', 'Haddad', 'Murphy'];
const ORGS: Array<[string, string, number, number, string, string]> = [
  // name, domain, industry id, employees, country, city
  ['Northwind Analytics', 'northwind-analytics.com', 1, 240, 'United States', 'Austin'],
  ['Brightlane Logistics', 'brightlane.io', 6, 820, 'United States', 'Chicago'],
  ['Cobalt Health Systems', 'cobalthealth.com', 3, 4200, 'United States', 'Boston'],
  ['Finchley Capital', 'finchleycapital.co.uk', 2, 310, 'United Kingdom', 'London'],
  ['Helios Cloudworks', 'helioscloud.dev', 1, 75, 'Germany', 'Berlin'],
  ['Orbital Manufacturing', 'orbitalmfg.de', 4, 650, 'Germany', 'Munich'],
  ['Parcelwise', 'parcelwise.nl', 6, 180, 'Netherlands', 'Amsterdam'],
  ['Meridian Retail Group', 'meridianretail.com', 5, 9000, 'United States', 'Seattle'],
  ['Tessellate Data', 'tessellate.ai', 1, 30, 'Canada', 'Toronto'],
  ['Lumen Learning Labs', 'lumenlabs.edu', 7, 60, 'United States', 'Denver'],
  ['Vantage Point Media', 'vantagepointmedia.com', 8, 40, 'United States', 'New York'],
  ['Nimbus Payments', 'nimbuspay.com', 2, 700, 'Ireland', 'Dublin'],
  ['Sprout SaaS', 'sproutsaas.com', 1, 4, 'United States', 'Boulder'],
  ['Fjord Analytics', 'fjordanalytics.no', 1, 35, 'Norway', 'Oslo'],
];
const TITLES = ['CEO', 'CTO', 'VP of Sales', 'VP Marketing', 'Head of Growth', 'Director of IT', 'RevOps Manager',
  'Marketing Manager', 'Sales Manager', 'Software Engineer', 'Account Executive', 'Data Analyst', 'Consultant', 'Student', 'Intern'];
const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me'];
const ACTIVITY_TYPES: Array<[string, string]> = [['call', 'Discovery call'], ['meeting', 'Product demo'], ['email', 'Follow-up email'], ['task', 'Send proposal']];
export const LEAD_SOURCES = ['Website', 'Referral', 'Event', 'Outbound', 'Partner'];
export const INTERESTS = ['Analytics', 'Automation', 'Security', 'Integrations'];

const between = (rng: Rng, from: number, to: number) => Math.floor(from + rng.next() * Math.max(0, to - from));
const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Creates the seed's custom fields in `catalog` and returns the account. */
export function seedAccount(catalog: PersonFieldCatalog, opts: SeedOptions): SeededAccount {
  const rng = createRng(opts.seed);
  const jobTitle = catalog.customByName('Job title') ?? catalog.create({ name: 'Job title', field_type: 'varchar' });
  const leadSource = catalog.customByName('Lead source') ?? catalog.create({ name: 'Lead source', field_type: 'enum', options: LEAD_SOURCES.map((label) => ({ label })) });
  const interests = catalog.customByName('Interests') ?? catalog.create({ name: 'Interests', field_type: 'set', options: INTERESTS.map((label) => ({ label })) });
  const from = opts.start - 180 * DAY;

  const orgCount = Math.max(1, Math.min(ORGS.length * 4, Math.ceil(opts.persons / 4)));
  const organizations: OrganizationRecord[] = [];
  for (let i = 0; i < orgCount; i++) {
    const [base, domain, industry, employees, country, city] = ORGS[i % ORGS.length]!;
    const round = Math.floor(i / ORGS.length);
    const add = between(rng, from, opts.start - 30 * DAY);
    organizations.push({
      id: i + 1, name: round ? `${base} ${['EMEA', 'APAC', 'Labs'][round - 1]}` : base, owner_id: rng.pick(opts.ownerIds),
      add_time: add, update_time: between(rng, add, opts.start), is_deleted: false, visible_to: 3,
      address: { value: `${rng.int(1, 400)} Market St, ${city}, ${country}`, country, admin_area_level_1: null, admin_area_level_2: null,
        locality: city, sublocality: null, route: 'Market St', street_number: null, subpremise: null, postal_code: null },
      label_ids: [], website: `https://${domain}`, linkedin: rng.chance(0.6) ? `https://www.linkedin.com/company/${domain.split('.')[0]}` : null,
      industry, annual_revenue: employees * rng.int(80, 250) * 1000, employee_count: employees,
    });
  }

  const persons: PersonRecord[] = [];
  const activities: ActivityRecord[] = [];
  const deals: DealRecord[] = [];
  for (let i = 0; i < opts.persons; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const org = rng.chance(0.85) ? organizations[rng.int(0, organizations.length - 1)]! : null;
    const domain = org?.website?.replace('https://', '');
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    const title = rng.pick(TITLES);
    const mailDomain = title === 'Student' ? 'student.stateu.edu' : org && rng.chance(0.8) ? domain! : rng.pick(FREE_MAIL);
    const add = between(rng, from, opts.start - DAY);
    const person: PersonRecord = {
      id: i + 1, name: `${first} ${last}`, first_name: first, last_name: last, owner_id: rng.pick(opts.ownerIds), org_id: org?.id ?? null,
      add_time: add, update_time: between(rng, add, opts.start), is_deleted: false, visible_to: 3,
      emails: [{ value: `${local}@${mailDomain}`, primary: true, label: 'work' }],
      phones: rng.chance(0.6) ? [{ value: `+1 555 ${String(rng.int(1000000, 9999999))}`, primary: true, label: 'work' }] : [],
      label_ids: rng.chance(0.5) ? [rng.int(2, 4)] : [], picture_id: null,
      custom: {
        [jobTitle.key]: rng.chance(0.9) ? title : null,
        [leadSource.key]: rng.chance(0.8) ? leadSource.options![rng.int(0, LEAD_SOURCES.length - 1)]!.id : null,
        [interests.key]: rng.chance(0.5) ? [...new Set([rng.pick(interests.options!).id, rng.pick(interests.options!).id])].sort((a, b) => a - b) : null,
      },
    };
    persons.push(person);
    for (let a = rng.int(0, 3); a > 0; a--) {
      const [type, subject] = rng.pick(ACTIVITY_TYPES);
      const created = between(rng, person.add_time, opts.start);
      const done = rng.chance(0.6);
      const due = created + rng.int(0, 14) * DAY;
      activities.push({
        id: activities.length + 1, subject, type, owner_id: person.owner_id, creator_user_id: person.owner_id, is_deleted: false,
        add_time: created, update_time: between(rng, created, opts.start), deal_id: null, person_id: person.id, org_id: person.org_id,
        due_date: dateOnly(due), due_time: type === 'task' ? null : `${String(rng.int(8, 17)).padStart(2, '0')}:00:00`,
        duration: type === 'meeting' ? '01:00:00' : null, busy: type === 'meeting', done, marked_as_done_time: done ? Math.min(due, opts.start) : null, note: null,
      });
    }
    if (rng.chance(0.3)) {
      const created = between(rng, person.add_time, opts.start);
      const status = rng.pick(['open', 'open', 'open', 'won', 'lost'] as const);
      const closed = status === 'open' ? null : between(rng, created, opts.start);
      deals.push({
        id: deals.length + 1, title: `${org?.name ?? person.name} deal`, creator_user_id: person.owner_id, owner_id: person.owner_id,
        person_id: person.id, org_id: person.org_id, pipeline_id: 1, stage_id: rng.int(1, 5), value: rng.int(10, 250) * 100, currency: 'USD',
        add_time: created, update_time: closed ?? between(rng, created, opts.start), stage_change_time: created, is_deleted: false, is_archived: false,
        status, probability: null, lost_reason: status === 'lost' ? 'Price' : null, visible_to: 3, close_time: closed,
        won_time: status === 'won' ? closed : null, lost_time: status === 'lost' ? closed : null,
        expected_close_date: dateOnly(created + 45 * DAY), label_ids: [],
      });
      const last = activities[activities.length - 1];
      if (last && last.person_id === person.id) last.deal_id = deals.length;
    }
  }
  return { organizations, persons, activities, deals };
}
