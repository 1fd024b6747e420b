import { createRng } from './prng.js';
import type { SimulatorState } from './simulator.state.js';

/**
 * Background life for demo mode: every tick a few contacts do what prospects do (download
 * a whitepaper, open an email, request a demo) or a salesperson edits a record. Each change
 * goes through the normal write path, so webhooks fire and lastmodifieddate moves.
 */

export interface ActivityOptions {
  intervalMs: number;
  changesPerTick?: number;
  seed?: number;
}

const CONVERSIONS = [
  'Whitepaper: Cloud Security Guide',
  'Webinar: Scaling RevOps',
  'Newsletter signup',
  'Ebook: State of B2B Marketing 2026',
  'Pricing page form',
  'Request a demo',
  'Contact sales',
];

export function startActivity(state: SimulatorState, opts: ActivityOptions): () => void {
  const rng = createRng(opts.seed ?? 2026);
  const perTick = opts.changesPerTick ?? 3;
  const timer = setInterval(() => {
    for (let k = 0; k < perTick && state.store.size > 0; k++) {
      const index = rng.int(0, state.store.size - 1);
      const num = (name: string) => Number(state.store.value(index, name) ?? '0') || 0;
      const at = new Date(state.now()).toISOString();
      const roll = rng.next();
      if (roll < 0.45) {
        const event = rng.pick(CONVERSIONS);
        state.write(
          index,
          {
            recent_conversion_event_name: event,
            recent_conversion_date: at,
            num_conversion_events: String(num('num_conversion_events') + 1),
            hs_analytics_num_page_views: String(num('hs_analytics_num_page_views') + rng.int(1, 6)),
            hs_analytics_num_visits: String(num('hs_analytics_num_visits') + 1),
            hs_analytics_last_visit_timestamp: at,
          },
          { sourceType: 'FORM', changeSource: 'FORM' },
        );
      } else if (roll < 0.85) {
        const clicked = rng.chance(0.3);
        state.write(
          index,
          {
            hs_email_open: String(num('hs_email_open') + 1),
            hs_email_last_open_date: at,
            ...(clicked ? { hs_email_click: String(num('hs_email_click') + 1), hs_email_last_click_date: at } : {}),
          },
          { sourceType: 'EMAIL', changeSource: 'EMAIL' },
        );
      } else {
        state.write(index, { hs_lead_status: rng.pick(['OPEN', 'IN_PROGRESS', 'ATTEMPTED_TO_CONTACT', 'CONNECTED']) }, {
          sourceType: 'CRM_UI',
          sourceId: 'userId:4242424',
          changeSource: 'CRM_UI',
        });
      }
    }
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
