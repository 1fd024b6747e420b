import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { createRedis } from '../../src/queues/redis-connection.js';
import { publicRateLimit, type PublicRateLimitOptions } from '../../src/server/rate-limit.middleware.js';

/** The per-IP limit on the public routes, on real Redis: two apps play two server processes. */

function app(redis: Redis, opts: Partial<PublicRateLimitOptions>): express.Express {
  const a = express();
  // supertest connects from 127.0.0.1: count loopback clients like any other here.
  a.use(publicRateLimit(redis, { limitLoopback: true, ...opts }));
  a.post('/webhooks/hubspot', (_req, res) => {
    res.status(204).end();
  });
  a.get('/oauth/hubspot/install', (_req, res) => {
    res.status(302).set('Location', 'https://app.hubspot.com/oauth/authorize').end();
  });
  a.get('/api/workspace', (_req, res) => {
    res.json({ ok: true });
  });
  return a;
}

describe('public route rate limit (real Redis)', () => {
  let redis: Redis;
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('when one address sends more than the limit, then the surplus gets 429 with Retry-After, and other route families and /api are not counted', async () => {
    const limited: string[] = [];
    const a = app(redis, { prefix: `${prefix}-a`, windowMs: 60_000, webhooks: 5, oauth: 2, onLimited: (family, path) => limited.push(`${family} ${path}`) });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await request(a).post('/webhooks/hubspot').send({})).status);
    expect(codes).toEqual([204, 204, 204, 204, 204, 429, 429]);
    const refused = await request(a).post('/webhooks/hubspot').send({});
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.error).toMatch(/too many requests to \/webhooks from this address \(limit 5 per 60 s\)/);
    expect(limited).toEqual(['webhooks /webhooks/hubspot', 'webhooks /webhooks/hubspot', 'webhooks /webhooks/hubspot']);
    expect((await request(a).get('/oauth/hubspot/install')).status).toBe(302);
    for (let i = 0; i < 10; i++) expect((await request(a).get('/api/workspace')).status).toBe(200);
  });

  test('when two server processes share Redis, then they count one address together', async () => {
    const opts = { prefix: `${prefix}-b`, windowMs: 60_000, oauth: 3 };
    const other = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const [a, b] = [app(redis, opts), app(other, opts)];
      const codes = [
        (await request(a).get('/oauth/hubspot/install')).status,
        (await request(b).get('/oauth/hubspot/install')).status,
        (await request(a).get('/oauth/hubspot/install')).status,
        (await request(b).get('/oauth/hubspot/install')).status,
      ];
      expect(codes).toEqual([302, 302, 302, 429]);
    } finally {
      other.disconnect();
    }
  });

  test('when the window ends, then the address may send again', async () => {
    const a = app(redis, { prefix: `${prefix}-c`, windowMs: 300, oauth: 1 });
    // Start at the beginning of a window so both requests land in the same one.
    await new Promise((r) => setTimeout(r, 300 - (Date.now() % 300) + 5));
    expect((await request(a).get('/oauth/hubspot/install')).status).toBe(302);
    expect((await request(a).get('/oauth/hubspot/install')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 320));
    expect((await request(a).get('/oauth/hubspot/install')).status).toBe(302);
  });

  test('when behind one trusted proxy, then each client address has its own count; without trusted proxies a forged X-Forwarded-For changes nothing', async () => {
    const proxied = app(redis, { prefix: `${prefix}-d`, windowMs: 60_000, oauth: 1, trustedProxies: 1 });
    expect((await request(proxied).get('/oauth/hubspot/install').set('X-Forwarded-For', '203.0.113.1')).status).toBe(302);
    expect((await request(proxied).get('/oauth/hubspot/install').set('X-Forwarded-For', '203.0.113.1')).status).toBe(429);
    expect((await request(proxied).get('/oauth/hubspot/install').set('X-Forwarded-For', '198.51.100.7, 203.0.113.2')).status).toBe(302);
    const direct = app(redis, { prefix: `${prefix}-e`, windowMs: 60_000, oauth: 1 });
    expect((await request(direct).get('/oauth/hubspot/install').set('X-Forwarded-For', '203.0.113.1')).status).toBe(302);
    expect((await request(direct).get('/oauth/hubspot/install').set('X-Forwarded-For', '203.0.113.99')).status).toBe(429);
  });

  test('when HubSpot sends a burst at its maximum concurrency with the default limits, then nothing is refused', async () => {
    const a = app(redis, { prefix: `${prefix}-f` });
    const statuses: number[] = [];
    // 10 requests in flight at a time (HubSpot's per-app concurrency), 60 rounds: 600 deliveries.
    for (let round = 0; round < 60; round++) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => request(a).post('/webhooks/hubspot').send({})))).map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 204)).toEqual([]);
  });

  test('when the client is on a loopback address and loopback is not limited (the default), then it is never counted', async () => {
    const a = express();
    a.use(publicRateLimit(redis, { prefix: `${prefix}-i`, windowMs: 60_000, webhooks: 1 }));
    a.post('/webhooks/hubspot', (_req, res) => {
      res.status(204).end();
    });
    for (let i = 0; i < 5; i++) expect((await request(a).post('/webhooks/hubspot').send({})).status).toBe(204);
    expect(await redis.keys(`${prefix}-i:*`)).toEqual([]);
  });

  test('when a limit is 0, then that family is not limited', async () => {
    const a = app(redis, { prefix: `${prefix}-g`, windowMs: 60_000, webhooks: 0 });
    for (let i = 0; i < 20; i++) expect((await request(a).post('/webhooks/hubspot').send({})).status).toBe(204);
  });

  test('when Redis does not answer, then requests pass after a short wait instead of hanging', async () => {
    const dead = new Redis({ port: 1, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 1000 });
    dead.on('error', () => {});
    try {
      const a = app(dead, { prefix: `${prefix}-h`, webhooks: 1, redisTimeoutMs: 100 });
      const started = Date.now();
      expect((await request(a).post('/webhooks/hubspot').send({})).status).toBe(204);
      expect((await request(a).post('/webhooks/hubspot').send({})).status).toBe(204);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      dead.disconnect();
    }
  });
});
