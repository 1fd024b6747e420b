import express, { Router } from 'express';
import { z } from 'zod';
import { parseOr400 } from './simulator.http.js';
import type { SimulatorState } from './simulator.state.js';

/**
 * Out-of-band controls under /__sandbox (no auth, not rate limited, not counted): lets a
 * benchmark or the demo read stats and simulate CRM activity when the sandbox runs as its
 * own process. HubSpot has nothing like it; product code must never call these.
 */

const TouchSchema = z.object({
  properties: z.record(z.string(), z.string()),
  sourceType: z.string().default('CRM_UI'),
  changeSource: z.string().optional(),
});

export function sandboxControlRoutes(state: SimulatorState): Router {
  const r = Router();
  r.use('/__sandbox', express.json());

  r.get('/__sandbox/stats', (_req, res) => {
    res.json({
      ...state.stats,
      contacts: state.store.size,
      changedContacts: state.store.changedContacts,
      webhooks: state.webhooks?.stats ?? null,
      rssBytes: process.memoryUsage().rss,
    });
  });

  r.post('/__sandbox/stats/reset', (_req, res) => {
    state.resetStats();
    res.status(204).end();
  });

  r.post('/__sandbox/contacts/:contactId', (req, res) => {
    const body = parseOr400(TouchSchema, req.body, res);
    if (!body) return;
    const index = state.store.indexOf(req.params.contactId);
    if (index < 0) {
      res.status(404).json({ message: `no contact ${req.params.contactId}` });
      return;
    }
    const checked = state.validate(body.properties, { allowReadOnly: true });
    if (!checked.ok) {
      res.status(400).json({ message: 'invalid values', results: checked.results });
      return;
    }
    const changes = state.write(index, checked.values, { sourceType: body.sourceType, changeSource: body.changeSource ?? body.sourceType });
    res.json({ changes });
  });

  r.get('/__sandbox/webhooks/idle', async (_req, res) => {
    await state.webhooks?.idle();
    res.status(204).end();
  });

  return r;
}
