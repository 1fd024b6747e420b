import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RateLimitedError } from '../../../src/errors/connector-errors.js';
import { loadMapping, parseMapping } from '../../../src/mapping/load-mapping.js';
import type { Store } from '../../../src/store/store.types.js';
import { SalesforceSetupError } from '../../../connectors/salesforce/index.js';
import { storeBackends } from '../../support/store-backends.js';
import { connectorFor, contextFor, startOrg } from './salesforce-test-kit.js';
import { setupConnection } from '../../../src/pipeline/setup-connection.js';

const mappingText = readFileSync(resolve('mappings/salesforce.yaml'), 'utf8');

describe.each(storeBackends())('Salesforce setup and API budget on %s', (_backend, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('when the org has every custom field and Lead Status value, then setup passes and records the org id on the connection', async () => {
    const org = await startOrg({ seed: { leads: 3, contacts: 1 } });
    try {
      const ctx = await contextFor(store, 'salesforce:setup-ok');
      await setupConnection(connectorFor(org), ctx);
      expect((await store.getConnection(ctx.connection.id))?.accountId).toBe(org.sim.orgId);
    } finally {
      await org.close();
    }
  });

  it('when the token response names no org, then setup asks the Organization object and records its id', async () => {
    const org = await startOrg({ omitIdentityUrl: true });
    try {
      const ctx = await contextFor(store, 'salesforce:setup-no-identity');
      await setupConnection(connectorFor(org), ctx);
      expect((await store.getConnection(ctx.connection.id))?.accountId).toBe(org.sim.orgId);
    } finally {
      await org.close();
    }
  });

  it('when custom fields are missing, then setup reports exactly those, on which object, with the type, length and label an admin needs, and writes to them fail per record', async () => {
    const org = await startOrg({ seed: { leads: 2, contacts: 0 }, missingFields: ['Lead.Qualify_Score__c', 'Contact.Qualify_Reasons__c', 'Contact.Qualify_Grade__c'] });
    try {
      const ctx = await contextFor(store, 'salesforce:setup-missing');
      const connector = connectorFor(org);
      await setupConnection(connector, ctx);
      const problems = await connector.setupReport(ctx);
      expect(problems.map((p) => `${p.object}.${p.field}:${p.problem}`).sort()).toEqual([
        'Contact.Qualify_Grade__c:missing',
        'Contact.Qualify_Reasons__c:missing',
        'Lead.Qualify_Score__c:missing',
      ]);
      const row = await store.getConnection(ctx.connection.id);
      expect(row?.status).toBe('active');
      const message = row?.statusMessage ?? '';
      expect(message).toContain('Lead.Qualify_Score__c is missing: create it as "Qualify Score" (API name Qualify_Score__c), type Number, length 3, 0 decimal places');
      expect(message).toContain('Contact.Qualify_Reasons__c is missing: create it as "Qualify Reasons" (API name Qualify_Reasons__c), type Long Text Area, length 32768');
      expect(message).toContain('Contact.Qualify_Grade__c is missing: create it as "Qualify Grade" (API name Qualify_Grade__c), type Text, length 2');

      const leadId = [...org.sim.db.Lead!.keys()][0]!;
      const [outcome] = await connector.writes.write(ctx, [{ objectType: 'Lead', recordId: leadId, properties: { Qualify_Score__c: '70', Qualify_Grade__c: 'B' } }]);
      expect(outcome).toMatchObject({ recordId: leadId, ok: false, permanent: true });
      expect(outcome!.ok === false && outcome!.message).toContain('Lead.Qualify_Score__c does not exist in this org');
      expect(org.sim.callsTo('PATCH', '/composite/sobjects')).toHaveLength(0);
    } finally {
      await org.close();
    }
  });

  it('when the stage mapping names a Lead Status the org does not have, then setup refuses it before any write, listing the org’s values', async () => {
    const org = await startOrg({ leadStatuses: ['New', 'Working', 'Nurturing', 'Qualified', 'Unqualified'] });
    try {
      const ctx = await contextFor(store, 'salesforce:setup-picklist');
      const err = await setupConnection(connectorFor(org), ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SalesforceSetupError);
      const problems = (err as SalesforceSetupError).problems;
      expect(problems.map((p) => p.problem)).toEqual(['picklist_value', 'picklist_value']);
      expect((err as Error).message).toContain('outbound.stage.map.lead is "Open - Not Contacted", which is not an active value of Lead.Status in this org (values: "New", "Working", "Nurturing", "Qualified", "Unqualified")');
      expect(org.sim.callsTo('PATCH', '/composite/sobjects')).toHaveLength(0);

      // The same org with a mapping written for its picklist passes.
      const custom = parseMapping(mappingText.replace('lead: Open - Not Contacted', 'lead: New').replace('sql: Working - Contacted', 'sql: Qualified'), 'mappings/salesforce.yaml');
      await setupConnection(connectorFor(org, {}, { mapping: custom }), ctx);
    } finally {
      await org.close();
    }
  });

  it('when the org reports usage at qualify’s share of the daily limit, then the next call is refused before it is sent and the connection parks until the next day', async () => {
    // 20 % of 10,000 = 2,000 calls; the org already used 1,995.
    const org = await startOrg({ seed: { leads: 10, contacts: 0 }, dailyLimit: 10_000, usedToday: 1_995 });
    try {
      const ctx = await contextFor(store, 'salesforce:budget');
      const connector = connectorFor(org, { dailyBudgetShare: 0.2 });
      const ids = [...org.sim.db.Lead!.keys()];
      let parked: unknown = null;
      for (let i = 0; i < 20 && !parked; i++) {
        parked = await connector.writes.write(ctx, [{ objectType: 'Lead', recordId: ids[i % ids.length]!, properties: { Qualify_Score__c: String(i) } }]).then(() => null, (e: unknown) => e);
      }
      expect(parked).toBeInstanceOf(RateLimitedError);
      expect(parked).toMatchObject({ scope: 'daily' });
      expect((parked as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
      expect((parked as Error).message).toContain('used 2000 of 10000');
      expect(org.sim.usedToday).toBe(2_000); // never past the share
      expect(connector.apiUsage(ctx.connection.id).usage).toEqual({ used: 2_000, limit: 10_000 });
    } finally {
      await org.close();
    }
  });

  it('when the org’s daily limit is already spent, then REQUEST_LIMIT_EXCEEDED parks the connection until the next day', async () => {
    const org = await startOrg({ seed: { leads: 2, contacts: 0 }, dailyLimit: 1_000, usedToday: 1_000 });
    try {
      const ctx = await contextFor(store, 'salesforce:spent');
      const err = await connectorFor(org).people.fetch(ctx, [{ objectType: 'Lead', recordId: [...org.sim.db.Lead!.keys()][0]! }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitedError);
      expect(err).toMatchObject({ scope: 'daily' });
      expect((err as Error).message).toContain('REQUEST_LIMIT_EXCEEDED');
    } finally {
      await org.close();
    }
  });

  it('when the shipped mapping is loaded, then it is valid under the mapping loader', () => {
    const m = loadMapping('mappings/salesforce.yaml');
    expect(m.system).toBe('salesforce');
    expect(m.outbound?.stage?.property).toBe('Status');
  });
});
