import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import type { ConnectorContext } from '../../../src/kit/connector.types.js';
import { RedisRateLimiter } from '../../../src/rate-limit/redis-rate-limiter.js';
import type { ConnectionRow, Store } from '../../../src/store/store.types.js';
import { createHubSpotConnector, type HubSpotConnectorOptions } from '../../../connectors/hubspot/index.js';

/**
 * Shared set-up for the HubSpot connector tests: the official SDK talks to nock (no real
 * network, but Redis on 127.0.0.1 stays reachable), and the limiter runs on the real Redis
 * under a fresh key prefix per connector so tests never share a window.
 */

export const HUBSPOT = 'https://api.hubapi.com';
export const PORTAL_ID = 62515;

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/hubspot-api/${name}`, import.meta.url), 'utf8')) as T;
}

export const silentLogger = pino({ level: 'silent' });

export function connectionRow(overrides: Partial<ConnectionRow> = {}): ConnectionRow {
  const now = new Date().toISOString();
  return { id: 'hubspot:default', workspaceId: 'default', system: 'hubspot', accountId: String(PORTAL_ID), status: 'active', statusMessage: null, parkedUntil: null, config: {}, createdAt: now, updatedAt: now, ...overrides };
}

/**
 * A store for tests of code that must not touch the store (poll, fetch, write): any use fails
 * the test loudly. Setup tests use the real store.
 */
export const untouchableStore: Store = new Proxy({} as Store, {
  get(_t, prop) {
    if (prop === 'then') return undefined;
    throw new Error(`the connector touched the store (${String(prop)}) where it should not`);
  },
});

export function context(overrides: Partial<ConnectorContext> = {}): ConnectorContext {
  return { connection: connectionRow(), store: untouchableStore, logger: silentLogger, ...overrides };
}

export interface Kit {
  redis: Redis;
  limiter: RedisRateLimiter;
  connector(opts?: Partial<HubSpotConnectorOptions>): ReturnType<typeof createHubSpotConnector>;
  close(): Promise<void>;
}

export function hubspotKit(): Kit {
  const redis = new Redis(process.env.REDIS_URL!);
  let limiter = new RedisRateLimiter(redis, { prefix: `${process.env.QUALIFY_QUEUE_PREFIX}:rl:${randomUUID()}` });
  return {
    redis,
    get limiter() {
      return limiter;
    },
    connector(opts = {}) {
      // A fresh namespace per connector: each test starts with empty windows and budgets.
      limiter = new RedisRateLimiter(redis, { prefix: `${process.env.QUALIFY_QUEUE_PREFIX}:rl:${randomUUID()}` });
      return createHubSpotConnector({
        accessToken: 'pat-na1-test-token',
        limiter,
        logger: silentLogger,
        retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 },
        ...opts,
      });
    },
    async close() {
      await redis.quit();
    },
  };
}

/** Answers the one account-details call every client makes first. */
export function nockAccount(details: Record<string, unknown> = fixture('account-details.json')) {
  return nock(HUBSPOT).get('/account-info/v3/details').reply(200, details);
}

export function contact(id: number | string, properties: Record<string, string | null> = {}, at = '2026-11-20T10:00:00.000Z') {
  return {
    id: String(id),
    properties: { hs_object_id: String(id), lastmodifieddate: at, createdate: '2026-01-05T09:00:00.000Z', ...properties },
    createdAt: '2026-01-05T09:00:00.000Z',
    updatedAt: at,
    archived: false,
  };
}

export function setupNock(): void {
  // A previous describe block's afterAll may have restored nock: switch it back on first.
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

/**
 * The per-file lifecycle the HubSpot connector tests share: nock on for vendor hosts only, one kit
 * for the file, interceptors dropped after each test, nock and the kit's Redis released at the end.
 * Call it at the top of a describe block; the kit it returns works from beforeAll on.
 */
export function useHubSpotKit(): Kit {
  let kit: Kit | undefined;
  beforeAll(() => {
    setupNock();
    kit = hubspotKit();
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.restore();
    await kit?.close();
  });
  const current = (): Kit => {
    if (!kit) throw new Error('useHubSpotKit(): the kit exists from beforeAll on');
    return kit;
  };
  return {
    get redis() {
      return current().redis;
    },
    get limiter() {
      return current().limiter;
    },
    connector: (opts) => current().connector(opts),
    close: () => current().close(),
  };
}

/** One HubSpot webhook v3 event as documented (a property change made in the CRM), `occurredAt` 2 s before `now`. */
export function webhookEvent(now: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: 1001,
    subscriptionId: 42,
    portalId: PORTAL_ID,
    appId: 54321,
    occurredAt: now - 2_000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 151,
    propertyName: 'lifecyclestage',
    propertyValue: 'marketingqualifiedlead',
    changeSource: 'CRM_UI',
    sourceId: 'userId:123',
    ...overrides,
  };
}
