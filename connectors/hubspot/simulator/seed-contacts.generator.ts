import { hash32, rngFor, type Rng } from './prng.js';

/**
 * Realistic B2B contacts, generated on demand from (seed, index). Nothing is stored per
 * seeded contact except two timestamps (see contact.store.ts), which keeps 100,000 contacts
 * within a few megabytes; a contact's values are recomputed whenever they are read.
 */

export interface HistoryEntry {
  value: string;
  timestamp: number;
  sourceType: string;
  sourceId?: string;
}

export interface SeedContact {
  values: Record<string, string>;
  /** Properties whose history has more than one entry (newest first). */
  history: Record<string, HistoryEntry[]>;
  /** sourceType of the single history entry of every other value. */
  sourceOf: Record<string, string>;
}

const DAY = 86_400_000;

const FIRST = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Levi',
  'Harper', 'Ethan', 'Evelyn', 'James', 'Aisha', 'Omar', 'Priya', 'Arjun', 'Mei', 'Wei', 'Yuki', 'Hiro',
  'Chloe', 'Jonas', 'Lena', 'Felix', 'Clara', 'Hugo', 'Ines', 'Marco', 'Giulia', 'Pablo', 'Lucia', 'Sven',
  'Freya', 'Nils', 'Anika', 'Tomasz', 'Zofia', 'Kwame', 'Amara', 'Tariq', 'Leila', 'Diego', 'Valentina',
  'Samuel', 'Grace', 'Daniel', 'Hannah', 'Benjamin', 'Zoe', 'David', 'Nora', 'Ryan', 'Maya', 'Adam', 'Sara',
  'Kenji', 'Rosa', 'Ivan', 'Elena', 'Patrick', 'Fiona', 'Rahul', 'Ananya', 'Chen', 'Lin', 'Oscar', 'Alma',
  'Theo', 'Julia', 'Max', 'Lea', 'Jack', 'Ruby', 'Leo', 'Ella',
];
const LAST = [
  'Smith', 'Johnson', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lopez', 'Wilson', 'Anderson', 'Thomas',
  'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Mueller', 'Schmidt',
  'Schneider', 'Fischer', 'Weber', 'Rossi', 'Russo', 'Bianchi', 'Dubois', 'Lefevre', 'Moreau', 'Jansen',
  'de Vries', 'Nowak', 'Kowalski', 'Svensson', 'Nilsson', 'Hansen', 'Larsen', 'Okafor', 'Mensah', 'Patel',
  'Sharma', 'Singh', 'Kumar', 'Tanaka', 'Suzuki', 'Sato', 'Kim', 'Park', 'Nguyen', 'Tran', 'Wang', 'Zhang',
  'Liu', 'Chen', 'Silva', 'Santos', 'Costa', 'Fernandez', 'Gonzalez', 'Haddad', 'Rahman', 'Ali', 'Murphy',
  "O'Brien", 'Kelly', 'Walsh', 'Byrne',
];

interface Company {
  name: string;
  domain: string;
  industry: string;
  employees: string;
  revenue: string;
  country: string;
  city: string;
  competitor?: boolean;
}

// Fictional companies (plus a few real competitors, so competitor detection has something to find).
const COMPANIES: Company[] = [
  ['Northwind Analytics', 'northwind-analytics.com', 'Computer Software', '100-500', '45000000', 'United States', 'Austin'],
  ['Brightlane Logistics', 'brightlane.io', 'Logistics and Supply Chain', '500-1000', '120000000', 'United States', 'Chicago'],
  ['Cobalt Health Systems', 'cobalthealth.com', 'Hospital & Health Care', '1000+', '800000000', 'United States', 'Boston'],
  ['Finchley Capital', 'finchleycapital.co.uk', 'Financial Services', '100-500', '60000000', 'United Kingdom', 'London'],
  ['Helios Cloudworks', 'helioscloud.dev', 'Information Technology and Services', '50-100', '9000000', 'Germany', 'Berlin'],
  ['Quantra Security', 'quantrasec.com', 'Computer & Network Security', '100-500', '38000000', 'United States', 'San Francisco'],
  ['Meridian Retail Group', 'meridianretail.com', 'Retail', '1000+', '2100000000', 'United States', 'Seattle'],
  ['Tessellate Data', 'tessellate.ai', 'Computer Software', '25-50', '4000000', 'Canada', 'Toronto'],
  ['Orbital Manufacturing', 'orbitalmfg.de', 'Machinery', '500-1000', '210000000', 'Germany', 'Munich'],
  ['Lumen Learning Labs', 'lumenlabs.edu', 'E-Learning', '50-100', '7000000', 'United States', 'Denver'],
  ['Parcelwise', 'parcelwise.nl', 'Logistics and Supply Chain', '100-500', '33000000', 'Netherlands', 'Amsterdam'],
  ['Stratus Insurance', 'stratusinsure.com', 'Insurance', '1000+', '950000000', 'United States', 'Hartford'],
  ['Vantage Point Media', 'vantagepointmedia.com', 'Marketing and Advertising', '25-50', '3500000', 'United States', 'New York'],
  ['Greenfield Energy', 'greenfield-energy.com', 'Renewables & Environment', '500-1000', '300000000', 'Spain', 'Madrid'],
  ['Kestrel Robotics', 'kestrelrobotics.com', 'Industrial Automation', '100-500', '52000000', 'United States', 'Pittsburgh'],
  ['Aurora Biotech', 'aurorabio.com', 'Biotechnology', '100-500', '70000000', 'Switzerland', 'Basel'],
  ['Pinecrest Consulting', 'pinecrestconsulting.com', 'Management Consulting', '5-25', '1800000', 'United States', 'Portland'],
  ['Nimbus Payments', 'nimbuspay.com', 'Financial Services', '500-1000', '180000000', 'Ireland', 'Dublin'],
  ['Atlas Freight', 'atlasfreight.com.au', 'Transportation/Trucking/Railroad', '100-500', '41000000', 'Australia', 'Sydney'],
  ['Juniper Hospitality', 'juniperhotels.com', 'Hospitality', '1000+', '400000000', 'France', 'Paris'],
  ['Ironclad Legal Tech', 'ironcladlegal.io', 'Legal Services', '25-50', '5200000', 'United States', 'Washington'],
  ['Sable Games', 'sablegames.se', 'Computer Games', '50-100', '12000000', 'Sweden', 'Stockholm'],
  ['Crescent Foods', 'crescentfoods.com', 'Food & Beverages', '1000+', '1300000000', 'United States', 'Minneapolis'],
  ['Vertex Telecom', 'vertextel.com', 'Telecommunications', '1000+', '2500000000', 'Singapore', 'Singapore'],
  ['Bluebird Nonprofit Network', 'bluebird.org', 'Non-Profit Organization Management', '5-25', '900000', 'United States', 'Atlanta'],
  ['Summit Realty', 'summitrealty.com', 'Real Estate', '25-50', '6000000', 'United States', 'Phoenix'],
  ['Polaris Semiconductors', 'polarissemi.com', 'Semiconductors', '1000+', '3100000000', 'Japan', 'Tokyo'],
  ['Fjord Analytics', 'fjordanalytics.no', 'Computer Software', '25-50', '4800000', 'Norway', 'Oslo'],
  ['Redwood HR Cloud', 'redwoodhr.com', 'Human Resources', '100-500', '27000000', 'United States', 'San Jose'],
  ['Cascade Dev Studio', 'cascadedev.io', 'Information Technology and Services', '5-25', '1200000', 'Portugal', 'Lisbon'],
  ['Mosaic Marketing Co', 'mosaicmarketing.co', 'Marketing and Advertising', '5-25', '1500000', 'United Kingdom', 'Manchester'],
  ['Granite Construction Partners', 'granitecp.com', 'Construction', '500-1000', '260000000', 'United States', 'Dallas'],
  ['Zephyr Mobility', 'zephyrmobility.com', 'Automotive', '1000+', '1700000000', 'Germany', 'Stuttgart'],
  ['Harborview Bank', 'harborviewbank.com', 'Banking', '1000+', '5000000000', 'United States', 'Charlotte'],
  ['Ember Analytics', 'emberanalytics.in', 'Computer Software', '100-500', '22000000', 'India', 'Bangalore'],
  ['Tidewater Shipping', 'tidewatershipping.com', 'Maritime', '500-1000', '340000000', 'Denmark', 'Copenhagen'],
  ['Keystone Pharma', 'keystonepharma.com', 'Pharmaceuticals', '1000+', '4200000000', 'United States', 'Philadelphia'],
  ['Sprout SaaS', 'sproutsaas.com', 'Computer Software', '1-5', '300000', 'United States', 'Boulder'],
  ['MadKudu', 'madkudu.com', 'Computer Software', '25-50', '8000000', 'United States', 'San Francisco', true],
  ['6sense', '6sense.com', 'Computer Software', '1000+', '200000000', 'United States', 'San Francisco', true],
  ['Leadspace', 'leadspace.com', 'Computer Software', '100-500', '30000000', 'United States', 'San Francisco', true],
].map(([name, domain, industry, employees, revenue, country, city, competitor]) => ({
  name, domain, industry, employees, revenue, country, city, competitor: competitor === true,
}) as Company);

const COMPETITORS = COMPANIES.filter((c) => c.competitor);
const CUSTOMERS = COMPANIES.filter((c) => !c.competitor);

const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me'];
const UNIVERSITIES = ['student.stateu.edu', 'mail.techinstitute.edu', 'uni-hamburg-example.de', 'student.citycollege.ac.uk'];

type Seniority = 'c_level' | 'vp' | 'director' | 'manager' | 'ic' | 'student' | 'other';
const TITLES: Record<Seniority, string[]> = {
  c_level: ['CEO', 'Chief Technology Officer', 'CFO', 'Chief Marketing Officer', 'Chief Revenue Officer', 'COO', 'Founder & CEO'],
  vp: ['VP of Sales', 'VP Marketing', 'VP Engineering', 'Vice President, Revenue Operations', 'VP Customer Success'],
  director: ['Director of Marketing Operations', 'Director of IT', 'Head of Growth', 'Director, Demand Generation', 'Head of Data'],
  manager: ['Marketing Manager', 'RevOps Manager', 'Sales Manager', 'IT Manager', 'Product Manager', 'Engineering Manager'],
  ic: ['Software Engineer', 'Account Executive', 'Sales Development Representative', 'Marketing Specialist', 'Data Analyst', 'Marketing Operations Specialist', 'Solutions Engineer'],
  student: ['Student', 'MBA Candidate', 'Graduate Student'],
  other: ['Consultant', 'Freelancer', 'Intern', 'Assistant', 'Retired'],
};

const CONVERSIONS: Array<readonly [string, number]> = [
  ['Newsletter signup', 30],
  ['Whitepaper: Cloud Security Guide', 14],
  ['Ebook: State of B2B Marketing 2026', 12],
  ['Webinar: Scaling RevOps', 10],
  ['Case study: Brightlane Logistics', 6],
  ['Pricing page form', 6],
  ['Free trial signup', 6],
  ['Request a demo', 5],
  ['Contact sales', 4],
];
const HIGH_INTENT = new Set(['Request a demo', 'Contact sales', 'Pricing page form', 'Free trial signup']);

/** Unique (first, last) pairs for the first FIRST×LAST contacts: emails never collide. */
function namePair(seed: number | string, index: number): { first: string; last: string; suffix: string } {
  const combos = FIRST.length * LAST.length;
  // index × a prime coprime with combos, shifted by the seed: a permutation of all pairs per seed.
  const k = (index * 2_654_435_761 + hash32(String(seed))) % combos;
  const first = FIRST[k % FIRST.length]!;
  const last = LAST[Math.floor(k / FIRST.length)]!;
  return { first, last, suffix: index < combos ? '' : String(Math.floor(index / combos)) };
}

function localPart(first: string, last: string, suffix: string, style: number): string {
  const f = first.toLowerCase().replace(/[^a-z]/g, '');
  const l = last.toLowerCase().replace(/[^a-z]/g, '');
  // No initials-only style: "jsmith" would collide between James and Jack Smith.
  const base = style === 0 ? `${f}.${l}` : style === 1 ? `${f}_${l}` : `${f}${l}`;
  return `${base}${suffix}`;
}

/** The two timestamps the store keeps for every seeded contact (sortable without generating). */
export function seedDates(seed: number | string, index: number, anchorMs: number): { createdAt: number; modifiedAt: number } {
  const rng = rngFor(seed, index, 'dates');
  const createdAt = anchorMs - Math.floor(DAY + rng.next() * 3 * 365 * DAY);
  // Skewed towards recent activity: most contacts were touched in the last few months.
  const span = anchorMs - 60_000 - createdAt;
  const modifiedAt = createdAt + Math.floor(span * (1 - Math.pow(rng.next(), 3)));
  return { createdAt, modifiedAt: Math.max(createdAt, modifiedAt) };
}

function between(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng.next() * Math.max(0, to - from));
}

export function generateSeedContact(seed: number | string, index: number, anchorMs: number): SeedContact {
  const rng = rngFor(seed, index, 'contact');
  const { createdAt, modifiedAt } = seedDates(seed, index, anchorMs);
  const { first, last, suffix } = namePair(seed, index);
  const seniority = rng.weighted<Seniority>([
    ['c_level', 6], ['vp', 8], ['director', 12], ['manager', 22], ['ic', 34], ['student', 9], ['other', 9],
  ]);
  // Competitors are rare: a few of their people read our content.
  const company = rng.chance(0.02) ? rng.pick(COMPETITORS) : rng.pick(CUSTOMERS);
  const student = seniority === 'student';
  const mailKind = student ? rng.weighted([['edu', 6], ['free', 4]] as const) : rng.weighted([['business', 78], ['free', 22]] as const);
  const domain = mailKind === 'business' ? company.domain : mailKind === 'edu' ? rng.pick(UNIVERSITIES) : rng.pick(FREE_MAIL);
  const email = `${localPart(first, last, suffix, rng.int(0, 2))}@${domain}`;

  const values: Record<string, string> = {
    email,
    firstname: first,
    lastname: last,
    jobtitle: rng.pick(TITLES[seniority]),
    hs_email_domain: domain,
  };
  const sourceOf: Record<string, string> = {};
  const history: Record<string, HistoryEntry[]> = {};

  if (!student && (mailKind === 'business' || rng.chance(0.6))) {
    values.company = company.name;
    values.website = `https://www.${company.domain}`;
    values.industry = company.industry;
    values.numemployees = company.employees;
    values.annualrevenue = company.revenue;
    values.country = company.country;
    values.city = company.city;
    if (rng.chance(0.5)) values.phone = `+1 555 ${String(rng.int(100, 999))} ${String(rng.int(1000, 9999))}`;
  } else if (rng.chance(0.5)) {
    values.country = rng.pick(COMPANIES).country;
  }

  // Engagement: senior buyers at business domains convert more, students mostly read.
  const intent = (seniority === 'c_level' || seniority === 'vp' || seniority === 'director' ? 1.6 : 1) * (mailKind === 'business' ? 1.3 : 0.7);
  const conversions = Math.min(6, Math.floor(rng.next() * 3.2 * intent));
  const events: HistoryEntry[] = [];
  for (let i = 0; i < conversions; i++) {
    let name = rng.weighted(CONVERSIONS);
    if (HIGH_INTENT.has(name) && (student || rng.chance(0.35 / intent))) name = 'Newsletter signup';
    events.push({ value: name, timestamp: between(rng, createdAt, modifiedAt), sourceType: 'FORM' });
  }
  events.sort((a, b) => b.timestamp - a.timestamp);
  if (events.length > 0) {
    const newest = events[0]!;
    const oldest = events[events.length - 1]!;
    values.recent_conversion_event_name = newest.value;
    values.recent_conversion_date = new Date(newest.timestamp).toISOString();
    values.first_conversion_event_name = oldest.value;
    values.first_conversion_date = new Date(oldest.timestamp).toISOString();
    values.num_conversion_events = String(events.length);
    history.recent_conversion_event_name = events;
  }

  const visits = Math.floor(rng.next() * 4 * intent) + events.length;
  const pageViews = visits + Math.floor(rng.next() * visits * 4);
  values.hs_analytics_num_visits = String(visits);
  values.hs_analytics_num_page_views = String(pageViews);
  if (visits > 0) values.hs_analytics_last_visit_timestamp = new Date(between(rng, createdAt, modifiedAt)).toISOString();
  values.hs_analytics_source = rng.weighted([
    ['ORGANIC_SEARCH', 30], ['DIRECT_TRAFFIC', 15], ['PAID_SEARCH', 12], ['SOCIAL_MEDIA', 10], ['EMAIL_MARKETING', 8],
    ['REFERRALS', 10], ['OFFLINE', 8], ['PAID_SOCIAL', 7],
  ]);
  sourceOf.hs_analytics_source = 'ANALYTICS';

  const delivered = rng.int(0, 40);
  const opens = Math.floor(delivered * rng.next() * 0.6 * Math.min(1.5, intent));
  const clicks = Math.floor(opens * rng.next() * 0.4);
  values.hs_email_delivered = String(delivered);
  values.hs_email_open = String(opens);
  values.hs_email_click = String(clicks);
  if (opens > 0) values.hs_email_last_open_date = new Date(between(rng, createdAt, modifiedAt)).toISOString();
  if (clicks > 0) values.hs_email_last_click_date = new Date(between(rng, createdAt, modifiedAt)).toISOString();
  if (rng.chance(0.04)) values.hs_email_bounce = '1';
  if (rng.chance(0.06)) values.hs_email_optout = 'true';
  for (const k of ['hs_email_delivered', 'hs_email_open', 'hs_email_click', 'hs_email_last_open_date', 'hs_email_last_click_date', 'hs_email_bounce']) {
    sourceOf[k] = 'EMAIL';
  }
  for (const k of ['hs_analytics_num_visits', 'hs_analytics_num_page_views', 'hs_analytics_last_visit_timestamp']) sourceOf[k] = 'ANALYTICS';
  for (const k of ['recent_conversion_date', 'first_conversion_event_name', 'first_conversion_date', 'num_conversion_events', 'hs_email_domain']) {
    sourceOf[k] = 'CALCULATED';
  }

  // Lifecycle: mostly subscribers and leads; a few later stages set by a salesperson in the CRM.
  const hasHighIntent = events.some((e) => HIGH_INTENT.has(e.value));
  const stage = rng.weighted([
    ['subscriber', events.length === 0 ? 70 : 35],
    ['lead', 45],
    ['opportunity', hasHighIntent ? 6 : 1],
    ['customer', hasHighIntent ? 5 : 1],
  ] as const);
  const stageHistory: HistoryEntry[] = [{ value: 'subscriber', timestamp: createdAt, sourceType: events.length > 0 ? 'FORM' : 'IMPORT' }];
  if (stage !== 'subscriber') stageHistory.unshift({ value: 'lead', timestamp: between(rng, createdAt, modifiedAt), sourceType: 'FORM' });
  if (stage === 'opportunity' || stage === 'customer') {
    stageHistory.unshift({ value: stage, timestamp: modifiedAt, sourceType: 'CRM_UI', sourceId: `userId:${rng.int(1_000_000, 9_999_999)}` });
  }
  values.lifecyclestage = stage;
  history.lifecyclestage = stageHistory;

  if (stage !== 'subscriber' && rng.chance(0.7)) {
    values.hs_lead_status =
      stage === 'customer' || stage === 'opportunity'
        ? rng.pick(['CONNECTED', 'OPEN_DEAL'])
        : rng.weighted([['NEW', 40], ['OPEN', 15], ['ATTEMPTED_TO_CONTACT', 15], ['IN_PROGRESS', 10], ['UNQUALIFIED', 10], ['BAD_TIMING', 10]]);
    sourceOf.hs_lead_status = 'CRM_UI';
  }
  return { values, history, sourceOf };
}

/** Every property a seeded contact can carry: reads of any other property skip generation. */
export const SEEDED_PROPERTIES: ReadonlySet<string> = new Set([
  'email', 'firstname', 'lastname', 'jobtitle', 'hs_email_domain', 'company', 'website', 'industry', 'numemployees',
  'annualrevenue', 'country', 'city', 'phone', 'recent_conversion_event_name', 'recent_conversion_date',
  'first_conversion_event_name', 'first_conversion_date', 'num_conversion_events', 'hs_analytics_num_visits',
  'hs_analytics_num_page_views', 'hs_analytics_last_visit_timestamp', 'hs_analytics_source', 'hs_email_delivered',
  'hs_email_open', 'hs_email_click', 'hs_email_last_open_date', 'hs_email_last_click_date', 'hs_email_bounce',
  'hs_email_optout', 'lifecyclestage', 'hs_lead_status',
]);

/** Companies marked as competitors, for tests and demo narration. */
export const COMPETITOR_DOMAINS = COMPETITORS.map((c) => c.domain);
