import { Router } from 'express';
import type { SimulatorState } from './simulator.state.js';

/** Account information: which portal a token belongs to, and today's API usage. */

function utcOffset(timeZone: string, at: number): { text: string; ms: number } {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(at))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!m) return { text: '+00:00', ms: 0 };
  const ms = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000);
  return { text: `${m[1]}${m[2]}:${m[3]}`, ms };
}

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
