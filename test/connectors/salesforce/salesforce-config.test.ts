import { describe, expect, it } from '@jest/globals';
import { salesforceConfigFromEnv, salesforceConfigured } from '../../../connectors/salesforce/salesforce-config.schema.js';

const valid = {
  SALESFORCE_CLIENT_ID: '3MVG9-consumer-key',
  SALESFORCE_CLIENT_SECRET: 'consumer-secret',
  SALESFORCE_REFRESH_TOKEN: '5Aep861-refresh',
  SALESFORCE_BASE_URL: 'https://acme.my.salesforce.com/',
};

describe('Salesforce configuration', () => {
  it('when only the required variables are set, then the defaults apply: login.salesforce.com, API 62.0, bulk from 2,000 records, 20 % of the daily limit', () => {
    expect(salesforceConfigFromEnv(valid)).toMatchObject({
      loginUrl: 'https://login.salesforce.com',
      instanceUrl: 'https://acme.my.salesforce.com',
      apiVersion: '62.0',
      bulkThreshold: 2000,
      dailyBudgetShare: 0.2,
    });
    expect(salesforceConfigured(valid)).toBe(true);
    expect(salesforceConfigured({})).toBe(false);
  });

  it('when several variables are wrong, then one error names every one of them', () => {
    const env = { ...valid, SALESFORCE_BASE_URL: 'acme', SALESFORCE_API_VERSION: '62', SALESFORCE_DAILY_SHARE: '1.5', SALESFORCE_REFRESH_TOKEN: '' };
    expect(() => salesforceConfigFromEnv(env)).toThrow(/SALESFORCE_REFRESH_TOKEN[\s\S]*SALESFORCE_BASE_URL[\s\S]*SALESFORCE_API_VERSION[\s\S]*SALESFORCE_DAILY_SHARE/);
  });
});
