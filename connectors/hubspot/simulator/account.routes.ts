import { Router } from 'express';
import type { SimulatorState } from './simulator.state.js';
import { utcOffset } from './time-zone.js';

/** Account information: which portal a token belongs to, and today's API usage. */

export function accountRoutes(state: SimulatorState): Router {
  const r = Router();

  r.get('/account-info/v3/details', (_req, res) => {
    const offset = utcOffset(state.timeZone, state.now());
    res.json({
      portalId: state.portalId,
      accountType: 'STANDARD',
      timeZone: state.timeZone,
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: offset.text,
      utcOffsetMilliseconds: offset.ms,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
  });

  r.get('/account-info/v3/api-usage/daily/private-apps', (_req, res) => {
    const now = state.now();
    res.json({
      results: [
        {
          name: 'private-apps-api-calls-daily',
          usageLimit: state.daily.max,
          currentUsage: state.daily.max - state.daily.remaining(now),
          collectedAt: new Date(now).toISOString(),
          fetchStatus: 'SUCCESS',
          resetsAt: new Date(state.daily.resetsAt).toISOString(),
        },
      ],
    });
  });

  return r;
}
