import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { signV3 } from '../../connectors/hubspot/index.js';
import { createHubSpotSimulator, type HubSpotSimulator } from '../../connectors/hubspot/simulator/hubspot-simulator.js';
import type { Runtime } from '../../src/app/runtime.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { rescoreWorkspace } from '../../src/pipeline/rescore.js';
import { parseScoringModel } from '../../src/qualification/qualify-lead.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { ConnectionRow, Store } from '../../src/store/store.types.js';
import { storeBackends } from '../support/store-backends.js';
import { closeTestRuntime, hubspotAppFactory, startTestRuntime, testPrefix } from '../support/test-runtime.js';
import { until } from '../support/wait-until.js';
import { newWorkspace } from './workspace-fixtures.js';

/**
 * A connection installed while qualify runs (what an OAuth callback does: a row and sealed
 * credentials in a workspace) is driven without a restart: the server process adds it, and a
 * worker process that never heard of it loads it from the store when its first job arrives, then
 * syncs the portal into that workspace only. A model published in the workspace reaches the
 * worker within seconds.
 */

const TOKEN = `oauth-access-${randomUUID()}`;
const logger = pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' });
const CONTACTS = 12;

describe.each(storeBackends())('connections created at run time on %s', (_backend, openStore) => {
  const prefix = testPrefix('ws');
  const limiterRedis = createRedis(process.env.REDIS_URL!);
  let sim: HubSpotSimulator;
  let serverStore: Store;
  let workerStore: Store;
  let server: Runtime;
  let worker: Runtime;
  /** A second server process: up before the install, never told of it (another process took the callback). */
  let lateStore: Store;
  let late: Runtime;
  let ws: Store;
  let row: ConnectionRow;

  const startProcess = async (store: Store, simUrl: string) => {
    const metrics = new Metrics();
    return startTestRuntime({
      queuePrefix: prefix,
      store,
      logger,
      coalesceMs: 50,
      connectionFactory: hubspotAppFactory({ prefix, redis: limiterRedis, baseUrl: simUrl, clientId: 'qualify-test-app', clientSecret: 'qualify-test-secret', logger, metrics }),
      modelRefreshMs: 500,
      metrics,
    });
  };

  beforeAll(async () => {
    sim = createHubSpotSimulator({ accessToken: TOKEN, contacts: CONTACTS, rateLimit: false, searchPerSecond: false });
    const simUrl = await sim.listen(0, '127.0.0.1');
    // Two "processes": their own store connections and runtimes, sharing the database and Redis.
    serverStore = await openStore();
    workerStore = await openStore();
    server = await startProcess(serverStore, simUrl);
    worker = await startProcess(workerStore, simUrl);
    worker.startWorkers();
    lateStore = await openStore();
    late = await startProcess(lateStore, simUrl);

    // Then the install happens: a workspace, its connection row and sealed OAuth credentials.
    ws = await newWorkspace(serverStore, 'installed');
    const portalId = String(sim.state.portalId);
    await ws.upsertConnection({ id: `hubspot-${portalId}`, system: 'hubspot', accountId: portalId });
    await ws.saveCredentials(`hubspot-${portalId}`, {
      kind: 'oauth',
      system: 'hubspot',
      accessToken: TOKEN,
      refreshToken: 'refresh-never-used',
      expiresAt: Date.now() + 3_600_000,
      installedAt: new Date().toISOString(),
    });
    row = (await ws.getConnection(`hubspot-${portalId}`))!;
  }, 60_000);

  afterAll(async () => {
    await closeTestRuntime(worker);
    await server.close();
    await late.close();
    await sim.close();
    limiterRedis.disconnect();
    await serverStore.close();
    await workerStore.close();
    await lateStore.close();
  });

  test('when the server adds a connection installed at run time, then a worker that never knew it syncs the portal into that workspace only', async () => {
    expect(worker.connections.has(row.id)).toBe(false);
    const added = await server.addConnection(row);
    expect(added).toMatchObject({ id: row.id, workspaceId: ws.workspaceId, system: 'hubspot' });

    await until('the worker to store every contact in the workspace', () => ws.countLeads(), (n) => n === CONTACTS);
    expect(worker.connections.get(row.id)).toMatchObject({ workspaceId: ws.workspaceId });
    expect(await serverStore.countLeads()).toBe(0); // nothing leaked into 'default'
    // The page's cursor is saved right after its records are stored.
    const stats = await until('the cursor of the first sync', () => ws.connectionStats(row.id), (st) => st.cursors.records != null, 10_000);
    expect(stats.lastSyncAt).not.toBeNull();
    // The poll is scheduled, shared by every process.
    const schedulers = await server.queues.sync.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(`poll-${row.id}`);
  }, 90_000);

  test("when a webhook names the portal, then its connection is found in any process by the account id", async () => {
    const viaServer = await server.deps.connections.forAccount('hubspot', row.accountId!);
    expect(viaServer).toMatchObject({ id: row.id, workspaceId: ws.workspaceId });
    expect(viaServer!.store.workspaceId).toBe(ws.workspaceId);
    expect(await server.deps.connections.forAccount('hubspot', '0')).toBeUndefined();
    expect(server.deps.connections.forSystem('hubspot', ws.workspaceId)!.id).toBe(row.id);
    expect(server.deps.connections.forSystem('hubspot')).toBeUndefined(); // the default workspace has none
  });

  /** A signed contact.propertyChange delivery for the installed portal, posted to `to`'s HTTP server; returns the status. */
  const deliverTitleChange = async (to: Runtime, contactId: string, title: string): Promise<number> => {
    const occurredAt = Date.now();
    const body = JSON.stringify([
      {
        eventId: occurredAt,
        subscriptionId: 1,
        portalId: Number(row.accountId),
        appId: 1,
        occurredAt,
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: Number(contactId),
        propertyName: 'jobtitle',
        propertyValue: title,
        changeSource: 'CRM_UI',
      },
    ]);
    const http = await to.listen(0);
    try {
      const { port } = http.address() as AddressInfo;
      const timestamp = String(Date.now());
      // Signed as HubSpot signs: the app's secret over method + the public URL + body + timestamp.
      const signature = signV3('qualify-test-secret', 'POST', 'http://qualify.test/webhooks/hubspot', body, timestamp);
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/hubspot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
        body,
      });
      return res.status;
    } finally {
      await new Promise<void>((r) => http.close(() => r()));
    }
  };

  test('when HubSpot sends a signed webhook for the installed portal and the default workspace has no HubSpot connection, then the server accepts it and the change lands in that workspace', async () => {
    expect(server.deps.connections.forSystem('hubspot')).toBeUndefined();
    const [contactId] = sim.contactIds();
    sim.touchContact(contactId!, { jobtitle: 'Chief Revenue Officer' });
    expect(await deliverTitleChange(server, contactId!, 'Chief Revenue Officer')).toBe(204);
    const leadId = await until('the re-read contact in the workspace', () => ws.findLeadIdBySourceRecord('hubspot', contactId!), (id) => id !== null);
    await until('the new title on the workspace lead', async () => (await ws.getLead(leadId!))?.lead.person.jobTitle, (t) => t === 'Chief Revenue Officer', 15_000);
    expect(await serverStore.countLeads()).toBe(0); // nothing in 'default'
  }, 60_000);

  test('when the webhook reaches a server process that started before the install and never saw it, then that server finds the connection in the store and accepts it', async () => {
    expect(late.connections.has(row.id)).toBe(false);
    const [, contactId] = sim.contactIds();
    sim.touchContact(contactId!, { jobtitle: 'VP Revenue Operations' });
    expect(await deliverTitleChange(late, contactId!, 'VP Revenue Operations')).toBe(204);
    const leadId = await until('the contact in the workspace', () => ws.findLeadIdBySourceRecord('hubspot', contactId!), (id) => id !== null);
    await until('the new title on the workspace lead', async () => (await ws.getLead(leadId!))?.lead.person.jobTitle, (t) => t === 'VP Revenue Operations', 15_000);
    expect(late.connections.get(row.id)).toMatchObject({ workspaceId: ws.workspaceId });
  }, 60_000);

  test('when a model is published in the workspace, then the worker scores that workspace with it within seconds, and the default workspace keeps the file model', async () => {
    const fileVersion = worker.deps.model().versionId;
    const yaml = readFileSync('mappings/scoring.yaml', 'utf8').replace(/^version: 1$/m, 'version: 2');
    const versionId = parseScoringModel(yaml).versionId;
    expect(versionId).not.toBe(fileVersion);
    const draft = await ws.saveModelDraft({ yaml, versionId, name: 'default' });
    await ws.publishModel(draft.id);

    await until('the worker to pick up the published model', async () => worker.deps.model(ws.workspaceId).versionId, (v) => v === versionId, 5_000);
    expect(worker.deps.model('default').versionId).toBe(fileVersion);

    const wsView = workerStore.forWorkspace(ws.workspaceId);
    const out = await rescoreWorkspace(worker.deps, wsView);
    expect(out).toMatchObject({ rescored: CONTACTS, model: versionId });
    const [top] = await ws.listLeads({ limit: 1, orderBy: 'score' });
    expect(top!.score!.modelVersion).toBe(versionId);

    await ws.rollbackModel(); // nothing before it: stays
    const rolledBack = await ws.activeModel();
    expect(rolledBack!.id).toBe(draft.id);
  }, 60_000);

  test('when the connection is removed, then its poll schedule goes and no process routes to it any more', async () => {
    expect(await ws.deleteConnection(row.id)).toBe(true);
    await server.removeConnection(row.id);
    const schedulers = await server.queues.sync.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).not.toContain(`poll-${row.id}`);
    expect(server.connections.has(row.id)).toBe(false);
    expect(await server.deps.connections.byId(row.id)).toBeUndefined();
    // The worker that had loaded it lets go at its next look at the row (cached for a second).
    await new Promise((r) => setTimeout(r, 1_100));
    const stillLoaded = worker.connections.get(row.id); // a job in flight may have found out already
    if (stillLoaded) await expect(stillLoaded.row()).rejects.toThrow(/deleted/);
    expect(worker.connections.has(row.id)).toBe(false);
  });
});
