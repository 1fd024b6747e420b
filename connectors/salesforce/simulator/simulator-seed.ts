import { makeId } from './simulator-ids.js';

/**
 * Deterministic, realistic B2B data for the simulator: Accounts with Contacts, Leads (some
 * converted into a Contact), Tasks (calls, emails), Events (meetings) and Campaign responses.
 * Records are spread over the last 30 days; several share one SystemModstamp on purpose (the
 * cursor's Id tie-break has to cope with that).
 */

export type SimRecord = Record<string, unknown> & { Id: string };

export interface SeedOptions {
  leads: number;
  contacts: number;
  seed?: number;
  /** Base time for SystemModstamp values (default: 2026-11-01T00:00:00Z). */
  start?: Date;
}

export interface SeedData {
  Lead: SimRecord[];
  Contact: SimRecord[];
  Account: SimRecord[];
  Task: SimRecord[];
  Event: SimRecord[];
  Campaign: SimRecord[];
  CampaignMember: SimRecord[];
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Katherine', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Tim', 'Radia', 'Guido', 'Sophie', 'Bjarne', 'Hedy'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Turing', 'Johnson', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Berners', 'Perlman', 'Rossum', 'Wilson', 'Stroustrup', 'Lamarr'];
const COMPANIES = [
  ['Northwind Analytics', 'northwind-analytics.com', 'Technology', 850, 120_000_000, 'US'],
  ['Contoso Health', 'contosohealth.com', 'Healthcare', 4200, 900_000_000, 'US'],
  ['Fabrikam Retail', 'fabrikam.co.uk', 'Retail', 310, 45_000_000, 'GB'],
  ['Tailspin Finance', 'tailspin-finance.de', 'Finance', 1500, 300_000_000, 'DE'],
  ['Adatum Labs', 'adatum.io', 'Technology', 45, 6_000_000, 'NL'],
  ['Litware Media', 'litware.fr', 'Media', 120, 18_000_000, 'FR'],
] as const;
const TITLES = ['CTO', 'VP Engineering', 'Director of Marketing', 'Head of Sales Operations', 'Software Engineer', 'Marketing Manager', 'CFO', 'Student'];
const CAMPAIGNS = [
  ['Cloud Cost Webinar', 'Webinar'],
  ['Q4 Newsletter', 'Email'],
  ['RevOps Summit', 'Conference'],
  ['Lead Scoring Guide', 'Content'],
] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Salesforce's date-time format on the wire; Salesforce keeps date-times to the whole second. */
export function sfDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '.000+0000');
}

export function seedData(opts: SeedOptions): SeedData {
  const rand = rng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const start = (opts.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  // Whole seconds, and every third record shares its predecessor's stamp (the Id tie-break case).
  let clock = start;
  const stamp = (i: number): string => {
    if (i % 3 !== 2) clock += 1000 * (1 + Math.floor(rand() * 600));
    return sfDateTime(new Date(clock));
  };

  const data: SeedData = { Lead: [], Contact: [], Account: [], Task: [], Event: [], Campaign: [], CampaignMember: [] };
  COMPANIES.forEach(([name, domain, industry, employees, revenue, country], i) => {
    data.Account.push({ Id: makeId('001', i + 1), Name: name, Website: `https://www.${domain}`, Industry: industry, NumberOfEmployees: employees, AnnualRevenue: revenue, BillingCountry: country, CreatedDate: sfDateTime(new Date(start)), LastModifiedDate: sfDateTime(new Date(start)), SystemModstamp: sfDateTime(new Date(start)), IsDeleted: false });
  });
  CAMPAIGNS.forEach(([name, type], i) => {
    data.Campaign.push({ Id: makeId('701', i + 1), Name: name, Type: type, CreatedDate: sfDateTime(new Date(start)), LastModifiedDate: sfDateTime(new Date(start)), SystemModstamp: sfDateTime(new Date(start)), IsDeleted: false });
  });

  let activity = 0;
  const engage = (whoId: string, at: number, asLead: boolean) => {
    const n = Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const when = new Date(at - k * 86_400_000);
      const kind = pick(['Call', 'Email', 'Meeting', 'Campaign'] as const);
      activity++;
      if (kind === 'Call' || kind === 'Email') {
        data.Task.push({ Id: makeId('00T', activity), WhoId: whoId, Subject: kind === 'Call' ? 'Discovery call' : 'Re: pricing question', TaskSubtype: kind, Type: kind, Status: 'Completed', ActivityDate: when.toISOString().slice(0, 10), CompletedDateTime: sfDateTime(when), CreatedDate: sfDateTime(when), LastModifiedDate: sfDateTime(when), SystemModstamp: sfDateTime(when), IsDeleted: false });
      } else if (kind === 'Meeting') {
        data.Event.push({ Id: makeId('00U', activity), WhoId: whoId, Subject: 'Product demo', EventSubtype: 'Event', Type: 'Meeting', StartDateTime: sfDateTime(when), EndDateTime: sfDateTime(new Date(when.getTime() + 1_800_000)), CreatedDate: sfDateTime(when), LastModifiedDate: sfDateTime(when), SystemModstamp: sfDateTime(when), IsDeleted: false });
      } else {
        const campaign = pick(data.Campaign);
        const responded = rand() < 0.7;
        data.CampaignMember.push({ Id: makeId('00v', activity), CampaignId: campaign.Id, LeadId: asLead ? whoId : null, ContactId: asLead ? null : whoId, Status: responded ? 'Responded' : 'Sent', HasResponded: responded, FirstRespondedDate: responded ? when.toISOString().slice(0, 10) : null, CreatedDate: sfDateTime(when), LastModifiedDate: sfDateTime(when), SystemModstamp: sfDateTime(when), IsDeleted: false });
      }
    }
  };

  for (let i = 0; i < opts.contacts; i++) {
    const account = pick(data.Account);
    const first = pick(FIRST);
    const last = pick(LAST);
    const ts = stamp(i);
    const id = makeId('003', i + 1);
    data.Contact.push({ Id: id, AccountId: account.Id, FirstName: first, LastName: `${last}${i}`, Email: `${first}.${last}${i}@${String(account.Website).replace('https://www.', '')}`.toLowerCase(), Title: pick(TITLES), Department: null, MailingCountry: account.BillingCountry, LeadSource: pick(['Web', 'Partner Referral', 'Other']), HasOptedOutOfEmail: rand() < 0.05, DoNotCall: rand() < 0.05, EmailBouncedReason: null, IsEmailBounced: false, CreatedDate: ts, LastModifiedDate: ts, SystemModstamp: ts, IsDeleted: false });
    engage(id, Date.parse(ts.replace('+0000', 'Z')), false);
  }
  for (let i = 0; i < opts.leads; i++) {
    const [company, domain, industry, employees, revenue, country] = pick(COMPANIES);
    const first = pick(FIRST);
    const last = pick(LAST);
    const ts = stamp(i);
    const id = makeId('00Q', i + 1);
    const freeMail = rand() < 0.15;
    data.Lead.push({ Id: id, FirstName: first, LastName: `${last}${i}`, Email: `${first}.${last}${i}@${freeMail ? 'gmail.com' : domain}`.toLowerCase(), Title: pick(TITLES), Company: company, Website: `https://www.${domain}`, Industry: industry, NumberOfEmployees: employees, AnnualRevenue: revenue, Country: country, LeadSource: pick(['Web', 'Phone Inquiry', 'Purchased List']), Status: 'Open - Not Contacted', Rating: null, HasOptedOutOfEmail: rand() < 0.05, DoNotCall: false, EmailBouncedReason: null, IsEmailBounced: false, IsConverted: false, ConvertedContactId: null, ConvertedDate: null, CreatedDate: ts, LastModifiedDate: ts, SystemModstamp: ts, IsDeleted: false });
    engage(id, Date.parse(ts.replace('+0000', 'Z')), true);
  }
  return data;
}
