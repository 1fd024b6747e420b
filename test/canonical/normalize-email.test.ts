import { describe, expect, test } from '@jest/globals';
import { normalizeEmail } from '../../src/canonical/normalize-email.js';

describe('normalizeEmail', () => {
  test('when an address has spaces and capitals, then it is trimmed and lower-cased', () => {
    expect(normalizeEmail('  Jane.Doe@ACME.com ')).toStrictEqual({
      email: 'jane.doe@acme.com',
      valid: true,
      freeMail: false,
      disposable: false,
      domain: 'acme.com',
    });
  });

  test('when the address is a display form or a mailto link, then the address inside is kept', () => {
    expect(normalizeEmail('Jane Doe <Jane@Acme.com>').email).toBe('jane@acme.com');
    expect(normalizeEmail('mailto:jane@acme.com').email).toBe('jane@acme.com');
  });

  test.each(['jane@@acme.com', 'jane', 'jane@', '@acme.com', 'jane@acme', 'ja ne@acme.com'])(
    'when the address is malformed (%s), then it is flagged invalid and not thrown',
    (raw) => {
      const r = normalizeEmail(raw);
      expect(r.valid).toBe(false);
      expect(r.email).toBe(raw.trim().toLowerCase());
      expect(r.domain).toBeNull();
    },
  );

  test.each([null, undefined, '', '   ', 'N/A', 'Select', 42, { a: 1 }])(
    'when the value is missing or not text (%p), then email is null and nothing is flagged',
    (raw) => {
      const r = normalizeEmail(raw);
      expect(r.email).toBe(typeof raw === 'number' ? '42' : null);
      expect(r.valid).toBe(false);
      expect(r.freeMail).toBe(false);
    },
  );

  test('when the domain is a webmail provider, then it is flagged free-mail', () => {
    expect(normalizeEmail('someone@gmail.com').freeMail).toBe(true);
    expect(normalizeEmail('someone@yahoo.co.uk').freeMail).toBe(true);
    expect(normalizeEmail('someone@acme.com').freeMail).toBe(false);
  });

  test('when the domain is a throwaway provider, then it is flagged disposable', () => {
    expect(normalizeEmail('x@mailinator.com').disposable).toBe(true);
    expect(normalizeEmail('x@gmail.com').disposable).toBe(false);
  });
});
