import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { CONNECTORS } from '../../src/app/connector-registry.js';
import { ENV_VARS } from '../../src/config/env.schema.js';
import { ConfigError, loadConfig, secretValues } from '../../src/config/load-config.js';

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to refuse the environment');
}

describe('loadConfig', () => {
  test('when the environment is empty, then every default applies and demo mode is on', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      logLevel: 'info',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'qualify',
      databaseUrl: null,
      dataDir: './.qualify',
      publicUrl: 'http://localhost:3000',
      modelFile: 'mappings/scoring.yaml',
      writebackCoalesceMs: 2000,
      demo: true,
      systems: {
        hubspot: { configured: false, accessToken: null, baseUrl: 'https://api.hubapi.com', rateLimitMax: 100, rateLimitWindowMs: 10000, dailyLimit: 250000, searchPerSecond: 5, pollIntervalMs: 300000 },
        salesforce: { configured: false, loginUrl: 'https://login.salesforce.com', apiVersion: '62.0', dailyShare: 0.2, bulkThreshold: 2000, pollIntervalMs: 300000 },
      },
    });
  });

  test('when values are given, then they are parsed into typed fields and blank ones fall back to defaults', () => {
    const config = loadConfig({
      PORT: '8080',
      LOG_LEVEL: 'DEBUG',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/qualify',
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-11111111-2222-3333-4444-555555555555',
      HUBSPOT_RATE_LIMIT_MAX: ' 10 ',
      HUBSPOT_BASE_URL: 'http://127.0.0.1:4010/',
      WRITEBACK_COALESCE_MS: '',
      SALESFORCE_CLIENT_ID: 'client',
      SALESFORCE_REFRESH_TOKEN: 'refresh-token-1',
      SALESFORCE_DAILY_SHARE: '0.5',
      SALESFORCE_ORG_ID: '00D5g000004abcdEAA',
    });
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/qualify');
    expect(config.demo).toBe(false);
    expect(config.systems.hubspot).toMatchObject({ configured: true, rateLimitMax: 10, baseUrl: 'http://127.0.0.1:4010' });
    expect(config.writebackCoalesceMs).toBe(2000);
    expect(config.systems.salesforce).toMatchObject({ configured: true, dailyShare: 0.5, orgId: '00D5g000004abcdEAA' });
  });

  test('when QUALIFY_DEMO is set explicitly, then it wins over the token rule', () => {
    expect(loadConfig({ QUALIFY_DEMO: 'false' }).demo).toBe(false);
    expect(loadConfig({ QUALIFY_DEMO: 'true', HUBSPOT_ACCESS_TOKEN: 'pat-token-value' }).demo).toBe(true);
  });

  test('when only a HubSpot OAuth app is configured, then demo mode stays off (portals are installed at run time)', () => {
    expect(loadConfig({ HUBSPOT_CLIENT_ID: 'hs-client', HUBSPOT_CLIENT_SECRET: 'hs-secret' }).demo).toBe(false);
  });

  test('when several variables are bad, then one error lists each with its value and what was expected', () => {
    const error = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'http://127.0.0.1:6379',
      HUBSPOT_RATE_LIMIT_MAX: '0',
      SALESFORCE_DAILY_SHARE: '1.5',
      SALESFORCE_API_VERSION: 'v62',
    });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(
      ['HUBSPOT_RATE_LIMIT_MAX', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'SALESFORCE_API_VERSION', 'SALESFORCE_DAILY_SHARE'].sort(),
    );
    expect(error.message).toMatch(/^Invalid configuration \(6 problems\):/);
    expect(error.message).toContain('PORT="eighty": expected a whole number from 0 to 65535');
    expect(error.message).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(error.message).toContain('REDIS_URL="http://127.0.0.1:6379": expected a URL starting with redis:// or rediss://');
    expect(error.message).toContain('HUBSPOT_RATE_LIMIT_MAX="0": expected a whole number of at least 1');
  });

  test('when only a Salesforce secret is set, then the error names the missing client id and never repeats the secret', () => {
    const error = problemsOf({ SALESFORCE_CLIENT_SECRET: '5Aep861-super-secret-refresh' });
    expect(error.problems).toEqual([
      { variable: 'SALESFORCE_CLIENT_ID', value: '(unset)', problem: 'expected to be set: the other Salesforce credentials are' },
    ]);
    expect(error.message).not.toContain('super-secret');
  });

  test('when a Salesforce client id and secret are set without a refresh token, then OAuth installs are possible and no org is connected from the environment', () => {
    const config = loadConfig({ SALESFORCE_CLIENT_ID: 'consumer-key', SALESFORCE_CLIENT_SECRET: 'consumer-secret' });
    expect(config.systems.salesforce).toMatchObject({ configured: false, clientId: 'consumer-key', clientSecret: 'consumer-secret' });
  });

  test('when OAuth and secret-key variables are set, then they are loaded, and a too-short secret key is refused without being repeated', () => {
    const config = loadConfig({
      HUBSPOT_CLIENT_ID: 'hs-client',
      QUALIFY_SECRET_KEY: 'a'.repeat(64),
      QUALIFY_RATE_LIMIT_WEBHOOKS: '0',
      QUALIFY_TRUSTED_PROXIES: '1',
    });
    expect(config.systems.hubspot).toMatchObject({ clientId: 'hs-client', authUrl: 'https://app.hubspot.com/oauth/authorize' });
    expect(config.secretKey).toBe('a'.repeat(64));
    expect(config.secretKeyPrevious).toEqual([]);
    expect(loadConfig({ QUALIFY_SECRET_KEY_PREVIOUS: 'old-passphrase-one, old-passphrase-two' }).secretKeyPrevious).toEqual(['old-passphrase-one', 'old-passphrase-two']);
    expect(config.rateLimits).toEqual({ windowMs: 10000, webhooks: 0, oauth: 30, trustedProxies: 1 });
    expect(secretValues(config)).toContain('a'.repeat(64));
    const error = problemsOf({ QUALIFY_SECRET_KEY: 'short-key' });
    expect(error.problems).toEqual([
      { variable: 'QUALIFY_SECRET_KEY', value: '(hidden, 9 characters)', problem: expect.stringContaining('expected 64 hex digits') },
    ]);
  });

  test('when a config holds tokens, then secretValues returns them for the logger to mask', () => {
    const config = loadConfig({ HUBSPOT_ACCESS_TOKEN: 'pat-na1-abcdef', HUBSPOT_CLIENT_SECRET: 'client-secret-1' });
    expect(secretValues(config).sort()).toEqual(['client-secret-1', 'pat-na1-abcdef']);
  });

  /** The NAME=default lines of an example file. */
  const exampleLines = (path: string) =>
    new Map(
      readFileSync(new URL(path, import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  const defaults = (specs: object) => Object.fromEntries(Object.entries(specs as Record<string, { default?: string }>).map(([name, spec]) => [name, spec.default ?? '']));

  test('when .env.example is read, then it lists every variable of qualify with its default', () => {
    const listed = exampleLines('../../.env.example');
    expect(Object.fromEntries(listed)).toEqual(defaults(ENV_VARS));
    // The example itself is a valid configuration.
    expect(() => loadConfig(Object.fromEntries(listed))).not.toThrow();
  });

  test.each(CONNECTORS.map((c) => [c.system, c] as const))('when connectors/%s/.env.example is read, then it lists every variable the connector declares, with its default, under <SYSTEM>_', (system, def) => {
    const listed = exampleLines(`../../connectors/${system}/.env.example`);
    expect(Object.fromEntries(listed)).toEqual(defaults(def.env));
    expect(Object.keys(def.env).every((name) => name.startsWith(`${system.toUpperCase()}_`))).toBe(true);
    expect(def.env).toHaveProperty(`${system.toUpperCase()}_BASE_URL`);
    expect(() => loadConfig(Object.fromEntries(listed))).not.toThrow();
  });
});
