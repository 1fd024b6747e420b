import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { AuthError } from '../../../src/errors/connector-errors.js';
import { createRedis } from '../../../src/queues/redis-connection.js';
import type { Store } from '../../../src/store/store.types.js';
import { RedisTokenVault } from '../../../connectors/salesforce/salesforce-token-vault.js';
import { storeBackends } from '../../support/store-backends.js';
import { connectorFor, contextFor, startOrg, type Org } from './salesforce-test-kit.js';
import { setupConnection } from '../../../src/pipeline/setup-connection.js';
import { recordConnectorFailure } from '../../../src/pipeline/record-connector-failure.js';

describe.each(storeBackends())('Salesforce session on %s', (_backend, open) => {
  let store: Store;
  let org: Org;
  let redis: Redis;

  beforeAll(async () => {
    store = await open();
    org = await startOrg({ seed: { leads: 30, contacts: 10, seed: 3 } });
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    redis.disconnect();
    await org.close();
    await store.close();
  });

  it('when the session expires under 3 worker processes running 30 jobs at once, then exactly one token refresh happens and every job succeeds', async () => {
    const prefix = `${process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify-test'}-${randomBytes(4).toString('hex')}`;
    const ctx = await contextFor(store, 'salesforce:concurrency');
    // Three "processes": separate connectors (own jsforce Connection) and separate vault clients over
    // one Redis, so only the Redis lock and the shared token keep them to one refresh.
    const workers = [0, 1, 2].map(() => connectorFor(org, {}, { vault: new RedisTokenVault(redis, prefix) }));
    const leadIds = [...org.sim.db.Lead!.keys()];

    await workers[0]!.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadIds[0]! }]);
    for (const w of workers.slice(1)) await w.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadIds[1]! }]);
    expect(org.sim.tokenCalls).toBe(1); // the first session is shared through the vault

    org.sim.expireSessions();
    const before = org.sim.tokenCalls;
    const jobs = Array.from({ length: 30 }, (_, i) => workers[i % 3]!.people.fetch(ctx, [{ objectType: 'Lead', recordId: leadIds[i % leadIds.length]! }]));
    const results = await Promise.all(jobs);
    expect(results.every((r) => r.length >= 1)).toBe(true);
    expect(org.sim.tokenCalls - before).toBe(1);
  });

  it('when the refresh token is revoked, then the call fails with an AuthError, the connection is marked needs_reauth with a clear message, later calls do not retry the token endpoint, and a new token re-activates it', async () => {
    const revoked = await startOrg({ seed: { leads: 5, contacts: 0 } });
    try {
      const ctx = await contextFor(store, 'salesforce:revoked');
      const connector = connectorFor(revoked);
      await connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: [...revoked.sim.db.Lead!.keys()][0]! }]);

      revoked.sim.revokeRefreshToken();
      revoked.sim.expireSessions();
      const err = await connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: [...revoked.sim.db.Lead!.keys()][1]! }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toContain('invalid_grant');
      expect((err as Error).message).toContain('re-authorisation');

      // The connector only reports; the worker's one writer records the connection's status.
      await recordConnectorFailure(store, ctx.connection.id, err);
      const row = await store.getConnection(ctx.connection.id);
      expect(row?.status).toBe('needs_reauth');
      expect(row?.statusMessage).toContain('SALESFORCE_REFRESH_TOKEN');

      const tokenCalls = revoked.sim.tokenCalls;
      await expect(connector.people.fetch(ctx, [{ objectType: 'Lead', recordId: [...revoked.sim.db.Lead!.keys()][2]! }])).rejects.toBeInstanceOf(AuthError);
      expect(revoked.sim.tokenCalls).toBe(tokenCalls);

      // Re-authorised: a new refresh token, a restart, and setup re-activates the connection.
      const refreshToken = revoked.sim.grantNewRefreshToken();
      const restarted = connectorFor(revoked, { refreshToken });
      await setupConnection(restarted, { ...ctx, connection: (await store.getConnection(ctx.connection.id))! });
      expect(await store.getConnection(ctx.connection.id)).toMatchObject({ status: 'active', statusMessage: null });
    } finally {
      await revoked.close();
    }
  });

  it('when the org rotates refresh tokens, then every worker refreshes with the latest one from the shared vault and none is refused', async () => {
    const rotating = await startOrg({ seed: { leads: 6, contacts: 0 }, rotateRefreshTokens: true });
    try {
      const prefix = `${process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify-test'}-${randomBytes(4).toString('hex')}`;
      const ctx = await contextFor(store, 'salesforce:rotation');
      const workers = [0, 1].map(() => connectorFor(rotating, {}, { vault: new RedisTokenVault(redis, prefix) }));
      const ids = [...rotating.sim.db.Lead!.keys()];
      for (let round = 0; round < 3; round++) {
        rotating.sim.expireSessions();
        const results = await Promise.all(ids.map((id, i) => workers[i % 2]!.people.fetch(ctx, [{ objectType: 'Lead', recordId: id }])));
        expect(results.flat().length).toBeGreaterThanOrEqual(ids.length);
      }
      // Round 0 fetches the first token; rounds 1 and 2 refresh once each, each time with the refresh
      // token the previous answer returned (the used one is retired: reusing it would be invalid_grant).
      expect(rotating.sim.tokenCalls).toBe(3);
      expect((await store.getConnection(ctx.connection.id))?.status).toBe('active');
    } finally {
      await rotating.close();
    }
  });
});
