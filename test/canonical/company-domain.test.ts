import { describe, expect, test } from '@jest/globals';
import { companyDomain, domainFromBusinessEmail, domainFromUrl } from '../../src/canonical/company-domain.js';

describe('domainFromUrl', () => {
  test.each([
    ['https://www.shop.example.co.uk/x', 'example.co.uk'],
    ['http://Acme.COM/about?x=1', 'acme.com'],
    ['www.acme.io', 'acme.io'],
    ['acme.com', 'acme.com'],
    ['https://blog.acme.com.au/', 'acme.com.au'],
  ])('when the website is %s, then the registrable domain is %s', (url, domain) => {
    expect(domainFromUrl(url)).toBe(domain);
  });

  test.each(['http://192.168.0.1/', 'localhost', 'www.acme', 'not a url', '', 'N/A', null, 17])(
    'when the website is no public host (%p), then there is no domain',
    (raw) => {
      expect(domainFromUrl(raw)).toBeNull();
    },
  );
});

describe('domainFromBusinessEmail', () => {
  test('when the email is at a company, then its domain is the company domain', () => {
    expect(domainFromBusinessEmail('jane@mail.acme.co.uk')).toBe('acme.co.uk');
  });
  test('when the email is free-mail, disposable or invalid, then it names no company', () => {
    expect(domainFromBusinessEmail('jane@gmail.com')).toBeNull();
    expect(domainFromBusinessEmail('jane@mailinator.com')).toBeNull();
    expect(domainFromBusinessEmail('jane@@acme.com')).toBeNull();
  });
});

describe('companyDomain', () => {
  test('when given text with an @, then it is read as an email, else as a website', () => {
    expect(companyDomain('jane@acme.com')).toBe('acme.com');
    expect(companyDomain('https://acme.com')).toBe('acme.com');
    expect(companyDomain('jane@hotmail.com')).toBeNull();
  });
});
