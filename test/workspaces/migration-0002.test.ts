import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import { defaultMigrationsDir } from '../../src/store/migrate.js';
import { createStore, type CreateStoreOptions, type SqlStore } from '../../src/store/sql-store.js';
import { TEST_SECRET_KEY, dropTestSchema, testDatabaseUrl } from '../support/store-backends.js';
import { lead } from './workspace-fixtures.js';

/**
 * An installation upgraded from version 1: its database already holds connections, leads,
 * records, events, scores, stages, cursors and the write ledger when 0002 runs. All of it must
 * land in the 'default' workspace and keep working; a new workspace starts empty and may reuse
 * the same record ids and emails.
 */

const v1Dir = mkdtempSync(join(tmpdir(), 'qualify-v1-migrations-'));
copyFileSync(join(defaultMigrationsDir(), '0001_initial.sql'), join(v1Dir, '0001_initial.sql'));

type Backend = { name: string; options: () => Promise<CreateStoreOptions>; cleanup: () => Promise<void> };

const pglite = (): Backend => {
  let instance: PGlite | undefined;
  return {
    name: 'pglite',
    options: async () => ({ pglite: (instance ??= await PGlite.create()) }),
    cleanup: async () => instance?.close(),
  };
};

const postgres = (): Backend => {
  const schema = `qualify_test_mig_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    name: 'postgres',
    options: async () => ({ databaseUrl: testDatabaseUrl(), schema }),
    cleanup: () => dropTestSchema(schema),
  };
};

const wanted = (process.env.QUALIFY_TEST_BACKENDS ?? 'pglite,postgres').split(',');
const backends = [pglite(), postgres()].filter((b) => wanted.includes(b.name));

afterAll(() => rmSync(v1Dir, { recursive: true, force: true }));

describe.each(backends.map((b) => [b.name, b] as const))('migration 0002 over a version-1 database on %s', (_name, backend) => {
  afterAll(() => backend.cleanup());

  test('when 0002 runs over data written by version 1, then the data is in the default workspace and a new workspace starts empty', async () => {
    const v1 = (await createStore({ ...(await backend.options()), migrationsDir: v1Dir })) as SqlStore;
    const db = v1.driver;
    const leadDoc = JSON.stringify(lead('hubspot', '101', { email: 'old@acme.com', jobTitle: 'CFO' }));
    await db.query(`insert into connections (id, system, account_id) values ('hubspot-default', 'hubspot', '999')`);
    await db.query(`insert into sync_cursors (connection_id, stream, cursor) values ('hubspot-default', 'records', '{"after":"42"}')`);
    await db.query(`insert into leads (id, email, lead) values ('lead-1', 'old@acme.com', $1::jsonb)`, [leadDoc]);
    await db.query(`insert into source_records (system, record_id, lead_id, lead) values ('hubspot', '101', 'lead-1', $1::jsonb)`, [leadDoc]);
    await db.query(
      `insert into lead_events (lead_id, source, source_id, type, at, event)
       values ('lead-1', 'hubspot', 'ev-1', 'page_view', '2026-01-01T00:00:00Z', '{"type":"page_view","at":"2026-01-01T00:00:00.000Z","source":"hubspot","sourceId":"ev-1"}')`,
    );
    await db.query(`insert into write_ledger (connection_id, record_id, properties) values ('hubspot-default', '101', '{"qualify_grade":"A"}')`);
    await db.query(`insert into write_errors (connection_id, record_id, status, message) values ('hubspot-default', '101', 400, 'refused')`);
    await db.query(
      `insert into lead_lifecycle (lead_id, stage, since, reason, set_by_person, state)
       values ('lead-1', 'mql', '2026-01-02T00:00:00Z', 'high_combined_score', false,
               '{"stage":"mql","since":"2026-01-02T00:00:00.000Z","reason":"high_combined_score","setByPerson":false}')`,
    );
    await v1.close();

    const v2 = await createStore({ ...(await backend.options()), secretKey: TEST_SECRET_KEY });
    try {
      const applied = await (v2 as SqlStore).driver.query<{ name: string }>(`select name from schema_migrations order by version`);
      expect(applied.map((r) => r.name)).toEqual(['0001_initial.sql', '0002_workspaces.sql']);

      expect(v2.workspaceId).toBe('default');
      expect(await v2.getConnection('hubspot-default')).toMatchObject({ workspaceId: 'default', accountId: '999' });
      expect(await v2.getCursor('hubspot-default', 'records')).toEqual({ after: '42' });
      expect(await v2.getLastWritten('hubspot-default', '101')).toEqual({ qualify_grade: 'A' });
      expect(await v2.listWriteErrors('hubspot-default')).toHaveLength(1);
      expect(await v2.findLeadIdBySourceRecord('hubspot', '101')).toBe('lead-1');
      const old = await v2.getLead('lead-1');
      expect(old).toMatchObject({ email: 'old@acme.com', lifecycle: { stage: 'mql' } });
      expect((await v2.funnel()).mql).toBe(1);
      expect(await v2.findConnectionByAccount('hubspot', '999')).toMatchObject({ id: 'hubspot-default' });

      // The old lead still merges and dedupes as before, in its workspace.
      const again = await v2.upsertSourceRecord({
        system: 'hubspot',
        recordId: '101',
        lead: lead('hubspot', '101', { email: 'old@acme.com', jobTitle: 'CFO', events: [{ type: 'page_view', at: '2026-01-01T00:00:00.000Z', source: 'hubspot', sourceId: 'ev-1' }] }),
        sourceUpdatedAt: null,
      });
      expect(again.leadId).toBe('lead-1');
      expect(again.lead.events).toHaveLength(1);

      const fresh = v2.forWorkspace((await v2.createWorkspace({ id: `new-${randomBytes(3).toString('hex')}`, name: 'New' })).id);
      expect(await fresh.countLeads()).toBe(0);
      expect(await fresh.listConnections()).toEqual([]);
      expect(await fresh.getLead('lead-1')).toBeNull();
      const theirs = await fresh.upsertSourceRecord({ system: 'hubspot', recordId: '101', lead: lead('hubspot', '101', { email: 'old@acme.com' }), sourceUpdatedAt: null });
      expect(theirs.leadId).not.toBe('lead-1');
      expect(await v2.countLeads()).toBe(1);
    } finally {
      await v2.close();
    }
  });
});
