import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Redis } from 'ioredis';
import { OAuthStateError, OAuthStates, pkceChallenge } from '../../src/oauth/oauth-state.js';
import { InstallLinkError, InstallLinks } from '../../src/oauth/install-link.js';
import { createRedis } from '../../src/queues/redis-connection.js';

async function refusal(p: Promise<unknown>): Promise<OAuthStateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OAuthStateError) return err;
    throw err;
  }
  throw new Error('expected the state to be refused');
}

describe('OAuth state (real Redis)', () => {
  let redis: Redis;
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  let clock = Date.now();
  const key = randomBytes(32);
  let states: OAuthStates;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    states = new OAuthStates({ redis, prefix, key, now: () => clock });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('when a state is issued and comes back once, then it yields its workspace and the PKCE verifier matching the challenge', async () => {
    const issued = await states.issue('acme', 'salesforce');
    const consumed = await states.consume(issued.state, 'salesforce');
    expect(consumed.workspaceId).toBe('acme');
    expect(consumed.system).toBe('salesforce');
    expect(pkceChallenge(consumed.codeVerifier)).toBe(issued.codeChallenge);
    // The verifier never travels in the state.
    expect(issued.state).not.toContain(consumed.codeVerifier);
    expect(Buffer.from(issued.state.split('.')[1]!, 'base64url').toString()).not.toContain(consumed.codeVerifier);
  });

  test('when the same state comes back a second time, then it is refused as replayed', async () => {
    const { state } = await states.issue('acme', 'hubspot');
    await states.consume(state, 'hubspot');
    const err = await refusal(states.consume(state, 'hubspot'));
    expect(err.problem).toBe('replayed');
    expect(err.status).toBe(400);
  });

  test('when two callbacks race with one state, then exactly one gets it', async () => {
    const { state } = await states.issue('acme', 'hubspot');
    const results = await Promise.allSettled([states.consume(state, 'hubspot'), states.consume(state, 'hubspot'), states.consume(state, 'hubspot')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  test('when the state names another workspace (tampered), then the signature check refuses it', async () => {
    const { state } = await states.issue('acme', 'hubspot');
    const [purpose, body, mac] = state.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, w: 'victim' })).toString('base64url');
    expect((await refusal(states.consume(`${purpose}.${forged}.${mac}`, 'hubspot'))).problem).toBe('bad_signature');
  });

  test('when the state is older than ten minutes, then it is refused as expired', async () => {
    const { state } = await states.issue('acme', 'hubspot');
    clock += 10 * 60_000 + 1;
    const err = await refusal(states.consume(state, 'hubspot'));
    expect(err.problem).toBe('expired');
    expect(err.message).toMatch(/10 minutes/);
  });

  test('when a HubSpot state comes back on the Salesforce callback, or none at all, then it is refused', async () => {
    const { state } = await states.issue('acme', 'hubspot');
    expect((await refusal(states.consume(state, 'salesforce'))).problem).toBe('wrong_system');
    expect((await refusal(states.consume(undefined, 'salesforce'))).problem).toBe('missing');
    expect((await refusal(states.consume('garbage', 'salesforce'))).problem).toBe('malformed');
  });

  test('when a state was signed with another key, then it is refused even though its nonce record exists', async () => {
    const other = new OAuthStates({ redis, prefix, key: randomBytes(32), now: () => clock });
    const { state } = await other.issue('acme', 'hubspot');
    expect((await refusal(states.consume(state, 'hubspot'))).problem).toBe('bad_signature');
  });
});

describe('install links (real Redis)', () => {
  let redis: Redis;
  const prefix = `qualify-test-${randomUUID().slice(0, 8)}`;
  let clock = Date.now();
  let links: InstallLinks;

  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    links = new InstallLinks({ redis, prefix, key: randomBytes(32), now: () => clock });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('when a link is redeemed, then it names its workspace once and is refused the second time', async () => {
    const { link } = links.create('acme', 'hubspot');
    expect(await links.redeem(link, 'hubspot')).toBe('acme');
    await expect(links.redeem(link, 'hubspot')).rejects.toThrow(InstallLinkError);
    await expect(links.redeem(link, 'hubspot')).rejects.toThrow(/already used/);
  });

  test('when a link is for the other system or expired, then it is refused', async () => {
    await expect(links.redeem(links.create('acme', 'hubspot').link, 'salesforce')).rejects.toThrow(/for hubspot, not salesforce/);
    const { link } = links.create('acme', 'hubspot');
    clock += 10 * 60_000 + 1;
    await expect(links.redeem(link, 'hubspot')).rejects.toThrow(/expired/);
  });
});
