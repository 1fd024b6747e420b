import { randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { SecretBox } from '../../src/security/secret-box.js';
import { oauthRoutes, type OAuthRoutesDeps } from '../../src/server/oauth.routes.js';
import { createRedis } from '../../src/queues/redis-connection.js';
import type { ConnectionRow, Store } from '../../src/store/store.types.js';

/**
 * The OAuth routes on an Express app of their own, on real Redis and a given store, for the
 * install-flow tests. Vendor HTTP is left to nock.
 */

export const PUBLIC_URL = 'https://qualify.example.com';
export const ADMIN_TOKEN = 'operator-token-0123456789';
export const HS_API = 'https://api.hubapi.com';
export const SF_LOGIN = 'https://login.salesforce.com';

export interface InstallFlow {
  app: express.Express;
  redis: Redis;
  prefix: string;
  installed: ConnectionRow[];
  clock: { now: number };
  close(): Promise<void>;
}

export function installFlow(store: Store, overrides: Partial<OAuthRoutesDeps> = {}): InstallFlow {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  const installed: ConnectionRow[] = [];
  const clock = { now: Date.now() };
  const app = express();
  app.use(
    oauthRoutes({
      store,
      redis,
      prefix,
      secretBox: new SecretBox(randomBytes(32)),
      publicUrl: () => PUBLIC_URL,
      adminToken: ADMIN_TOKEN,
      systems: {
        hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret' },
        salesforce: { loginUrl: SF_LOGIN, clientId: 'sf-consumer-key', clientSecret: 'sf-consumer-secret' },
      },
      onInstalled: (row) => {
        installed.push(row);
      },
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
      ...overrides,
    }),
  );
  return {
    app,
    redis,
    prefix,
    installed,
    clock,
    async close() {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
