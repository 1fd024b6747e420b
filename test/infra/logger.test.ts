import { describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger, maskSensitive } from '../../src/infra/logger.js';

/** Collects what the logger writes, as the parsed JSON lines and the raw text. */
function capture() {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    text: () => lines.join(''),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const TOKEN = 'pat-na1-0f3c2a9e-1b2c-4d5e-8f90-123456789abc';

describe('logger', () => {
  test('when a token and an email are logged in fields, messages and errors, then neither appears in the output', () => {
    const out = capture();
    const logger = createLogger(loadConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, LOG_LEVEL: 'info' }), { destination: out.destination });
    logger.info({ accessToken: TOKEN, contact: { email: 'jane.doe@acme-corp.com' } }, 'synced jane.doe@acme-corp.com');
    logger.info({ request: { headers: { authorization: `Bearer ${TOKEN}`, 'x-hubspot-signature-v3': 'c2lnbmF0dXJl' } } }, 'outbound call');
    logger.error({ err: new Error(`HubSpot refused ${TOKEN} for JANE.DOE@ACME-CORP.COM`) }, 'write failed');
    logger.warn(`token in a message text: ${TOKEN}; url: /contacts?email=jane.doe%40acme-corp.com`);

    const text = out.text();
    expect(text).not.toContain(TOKEN);
    expect(text.toLowerCase()).not.toContain('jane.doe');
    expect(text).not.toContain('c2lnbmF0dXJl');
    const [first, second, third] = out.records();
    expect(first).toMatchObject({ level: 'info', msg: 'synced j***@acme-corp.com', accessToken: '[redacted]', contact: { email: 'j***@acme-corp.com' } });
    expect(second).toMatchObject({ request: { headers: { authorization: '[redacted]', 'x-hubspot-signature-v3': '[redacted]' } } });
    expect((third.err as { message: string }).message).toBe('HubSpot refused [redacted] for J***@ACME-CORP.COM');
  });

  test('when a bearer credential appears in free text without a configured secret, then it is masked', () => {
    expect(maskSensitive('GET /crm/v3 with Authorization: Bearer abc.DEF-123_x=')).toBe('GET /crm/v3 with Authorization: Bearer [redacted]');
  });

  test('when text is masked twice, then the result is stable and ordinary text is untouched', () => {
    const once = maskSensitive('lead a.b@x.io scored 80 on model default@3-1a2b3c4d');
    expect(once).toBe('lead a***@x.io scored 80 on model default@3-1a2b3c4d');
    expect(maskSensitive(once)).toBe(once);
  });

  test('when the level is warn, then info lines are not written', () => {
    const out = capture();
    const logger = createLogger('warn', { destination: out.destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.records().map((r) => r.msg)).toEqual(['shown']);
  });
});
