import { describe, expect, test } from '@jest/globals';
import { createHubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import { standardContactProperties } from '../../connectors/hubspot/simulator/contact-properties.catalog.js';
import { COMPETITOR_DOMAINS, generateSeedContact, SEEDED_PROPERTIES } from '../../connectors/hubspot/simulator/seed-contacts.generator.js';

const FREE_MAIL = /@(gmail|yahoo|outlook|hotmail|icloud)\.com$|@proton\.me$/;

describe('HubSpot sandbox: seeded contacts', () => {
  const contactsOf = (n: number, seed: number | string) => {
    const sim = createHubSpotSimulator({ contacts: n, seed, now: () => Date.parse('2026-11-27T09:00:00Z') });
    return sim.contactIds().map((id) => sim.getContact(id)!);
  };

  test('when the same seed is used twice, then the contacts are identical; another seed gives other contacts', () => {
    const a = contactsOf(50, 1);
    expect(contactsOf(50, 1)).toEqual(a);
    expect(contactsOf(50, 2).map((c) => c.email)).not.toEqual(a.map((c) => c.email));
  });

  test('when a few hundred contacts are seeded, then they look like a B2B database', () => {
    const contacts = contactsOf(400, 42);
    const share = (pred: (c: Record<string, string | null>) => boolean) => contacts.filter(pred).length / contacts.length;
    expect(new Set(contacts.map((c) => c.email)).size).toBe(400);
    expect(share((c) => FREE_MAIL.test(c.email!))).toBeGreaterThan(0.1);
    expect(share((c) => FREE_MAIL.test(c.email!))).toBeLessThan(0.5);
    expect(share((c) => /student|candidate/i.test(c.jobtitle ?? ''))).toBeGreaterThan(0.02);
    expect(share((c) => /^(CEO|CFO|COO|Chief|Founder|VP|Vice President)/.test(c.jobtitle ?? ''))).toBeGreaterThan(0.05);
    expect(share((c) => c.lifecyclestage === 'subscriber' || c.lifecyclestage === 'lead')).toBeGreaterThan(0.85);
    expect(contacts.some((c) => c.lifecyclestage === 'customer' || c.lifecyclestage === 'opportunity')).toBe(true);
    expect(contacts.some((c) => c.recent_conversion_event_name === 'Request a demo' || c.recent_conversion_event_name === 'Contact sales')).toBe(true);
    expect(contacts.some((c) => c.hs_email_optout === 'true')).toBe(true);
    expect(contacts.some((c) => c.hs_email_bounce === '1')).toBe(true);
    expect(contacts.some((c) => COMPETITOR_DOMAINS.some((d) => c.email!.endsWith(`@${d}`)))).toBe(true);
    expect(contacts.every((c) => Object.keys(c).every((k) => !k.startsWith('qualify_')))).toBe(true);
    for (const c of contacts) expect(Date.parse(c.lastmodifieddate!)).toBeGreaterThanOrEqual(Date.parse(c.createdate!));
  });

  test('when 100,000 contacts are seeded, then emails stay unique', () => {
    const sim = createHubSpotSimulator({ contacts: 100_000, seed: 42 });
    const emails = new Set<string>();
    for (let i = 0; i < 100_000; i += 7) emails.add(sim.state.store.value(i, 'email')!);
    expect(emails.size).toBe(Math.ceil(100_000 / 7));
  });

  test('when contacts are generated, then every property they carry is declared as seeded and defined in the catalog', () => {
    const defined = new Set(standardContactProperties().map((p) => p.name));
    const carried = new Set<string>();
    for (let i = 0; i < 3000; i++) for (const name of Object.keys(generateSeedContact(9, i, Date.now()).values)) carried.add(name);
    expect([...carried].filter((n) => !SEEDED_PROPERTIES.has(n))).toEqual([]);
    expect([...SEEDED_PROPERTIES].filter((n) => !defined.has(n))).toEqual([]);
  });
});
