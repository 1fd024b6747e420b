import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountRoutes } from './account.routes.js';
import { startActivity, type ActivityOptions } from './activity.simulator.js';
import { contactsRoutes } from './contacts.routes.js';
import type { PropertyChange } from './contact.store.js';
import { errorBody, rateLimited, unauthorized, validationError } from './hubspot-error.bodies.js';
import { propertiesRoutes } from './properties.routes.js';
import { sandboxControlRoutes } from './sandbox-control.routes.js';
import { endpointKey } from './simulator.http.js';
import { SimulatorState, type HubSpotSimulatorOptions, type SimulatorStats } from './simulator.state.js';
import type { WebhookDispatcher, WebhookEvent, WebhookOptions } from './webhook.dispatcher.js';

/**
 * The in-repo HubSpot sandbox: an Express 5 app serving the CRM v3 endpoints qualify uses,
 * with HubSpot's auth, limits, error bodies and webhooks. Demo mode, the end-to-end tests
 * (the official SDK pointed at it with basePath) and the benchmarks all run against it.
 */

export type { HubSpotSimulatorOptions, SimulatorStats } from './simulator.state.js';
export type { WebhookEvent, WebhookOptions } from './webhook.dispatcher.js';
export type { ActivityOptions } from './activity.simulator.js';

export interface ChangeOptions {
  /** Property-history sourceType (default CRM_UI: a person editing the record). */
  sourceType?: string;
  sourceId?: string;
  /** Webhook changeSource (default CRM_UI). */
  changeSource?: string;
}

export interface HubSpotSimulator {
  app: Express;
  state: SimulatorState;
  /** Live counters (calls per endpoint, 429s, max calls in any window, writes). */
  readonly stats: SimulatorStats;
  /** Base URL once listening, e.g. http://127.0.0.1:53123 (pass it to the SDK as basePath). */
  readonly baseUrl: string | null;
  readonly webhooks: WebhookDispatcher | null;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** Replaces the contacts with n freshly seeded ones. */
  seed(n: number): void;
  /** A change made in HubSpot by someone else (a user, a workflow); fires webhooks. Throws on invalid values. */
  touchContact(id: string, props: Record<string, string>, opts?: ChangeOptions): PropertyChange[];
  /** A new contact, e.g. from a form; returns its id. */
  createContact(props: Record<string, string>, opts?: ChangeOptions): string;
  /**
   * The contact deleted in HubSpot: archived (restorable, contact.deletion) or with privacy GDPR
   * "permanently delete"d (contact.privacyDeletion); reads and search stop seeing it. These three
   * return the webhook event they fired (null when webhooks are off), e.g. to replay it as a retry.
   */
  deleteContact(id: string, opts?: ChangeOptions & { privacy?: boolean }): WebhookEvent | null;
  /** An archived contact restored with its id; fires contact.restore. */
  restoreContact(id: string, opts?: ChangeOptions): WebhookEvent | null;
  /** Merges `mergedId` into `primaryId` (which survives with the values it lacked); fires contact.merge. */
  mergeContacts(primaryId: string, mergedId: string, opts?: ChangeOptions): WebhookEvent | null;
  /** A form submission: bumps conversion properties, page views and visits like HubSpot analytics would. */
  recordConversion(id: string, eventName: string): PropertyChange[];
  /** Current values of every property the contact has (null if unknown id). */
  getContact(id: string): Record<string, string | null> | null;
  /** Every contact id, in id order. */
  contactIds(): string[];
  /** Starts demo activity (conversions, email opens, CRM edits every intervalMs); returns stop(). Stopped by close(). */
  startActivity(opts: ActivityOptions): () => void;
  /** Sets (or replaces, or with null removes) the webhook target, e.g. once the receiving server knows its port. */
  configureWebhooks(options: WebhookOptions | null): void;
  /** Resolves once pending webhook deliveries (including retries) are done. */
  flushWebhooks(): Promise<void>;
  resetStats(): void;
}

function userSource(opts: ChangeOptions = {}) {
  return {
    sourceType: opts.sourceType ?? 'CRM_UI',
    sourceId: opts.sourceId ?? 'userId:4242424',
    changeSource: opts.changeSource ?? opts.sourceType ?? 'CRM_UI',
  };
}

export function createHubSpotSimulator(opts: HubSpotSimulatorOptions = {}): HubSpotSimulator {
  const state = new SimulatorState(opts);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const auth: RequestHandler = (req, res, next) => {
    res.set('X-HubSpot-Correlation-Id', randomUUID());
    const header = req.get('authorization') ?? '';
    if (header !== `Bearer ${state.accessToken}`) {
      state.stats.unauthorized++;
      res.status(401).json(unauthorized());
      return;
    }
    next();
  };

  // Search has its own per-second limit and sends no rate-limit headers; everything else
  // shares the account's rolling window and daily budget and reports them in headers.
  const limits: RequestHandler = (req, res, next) => {
    const now = state.now();
    const key = endpointKey(req.method, req.path);
    state.stats.calls[key] = (state.stats.calls[key] ?? 0) + 1;
    state.stats.totalCalls++;
    if (req.method === 'POST' && req.path.endsWith('/search')) {
      state.stats.searchCalls++;
      if (state.searchWindow.tryAcquire(now) < 0) {
        state.stats.rateLimited.SECONDLY++;
        res.status(429).json(rateLimited('SECONDLY'));
        return;
      }
      next();
      return;
    }
    const setHeaders = (remaining: number) => {
      if (state.rateLimitEnabled) {
        res.set('X-HubSpot-RateLimit-Max', String(state.window.max));
        res.set('X-HubSpot-RateLimit-Remaining', String(Math.max(0, remaining)));
        res.set('X-HubSpot-RateLimit-Interval-Milliseconds', String(state.window.intervalMs));
      }
      res.set('X-HubSpot-RateLimit-Daily', String(state.daily.max));
      res.set('X-HubSpot-RateLimit-Daily-Remaining', String(state.daily.remaining(now)));
    };
    if (state.daily.remaining(now) <= 0) {
      setHeaders(state.window.remaining(now));
      state.stats.rateLimited.DAILY++;
      res.status(429).json(rateLimited('DAILY'));
      return;
    }
    const remaining = state.window.tryAcquire(now);
    if (remaining < 0) {
      setHeaders(0);
      state.stats.rateLimited.TEN_SECONDLY_ROLLING++;
      res.status(429).json(rateLimited('TEN_SECONDLY_ROLLING'));
      return;
    }
    state.daily.tryAcquire(now);
    setHeaders(remaining);
    next();
  };

  const latency: RequestHandler = (_req, _res, next) => {
    if (state.latencyMs > 0) setTimeout(next, state.latencyMs);
    else next();
  };

  app.use(sandboxControlRoutes(state));
  app.use(auth, limits, latency, express.json({ limit: '10mb' }));
  app.use(contactsRoutes(state));
  app.use(propertiesRoutes(state));
  app.use(accountRoutes(state));
  app.use((req, res) => {
    res.status(404).json(errorBody('OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path} in the HubSpot sandbox`));
  });
  const onError: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    if (err.type === 'entity.parse.failed') {
      res.status(400).json(validationError(`Invalid input JSON: ${err.message ?? 'unparseable body'}`));
      return;
    }
    if (err.type === 'entity.too.large') {
      res.status(413).json(validationError('Request body is too large'));
      return;
    }
    res.status(500).json(errorBody('INTERNAL_ERROR', `Sandbox error: ${err.message ?? String(err)}`));
  };
  app.use(onError);

  let server: Server | null = null;
  const activities: Array<() => void> = [];
  let baseUrl: string | null = null;

  const indexOrThrow = (id: string): number => {
    const index = state.store.indexOf(id);
    if (index < 0) throw new Error(`HubSpot sandbox: no contact with id ${id}`);
    return index;
  };
  const validOrThrow = (props: Record<string, string>): Record<string, string> => {
    const checked = state.validate(props, { allowReadOnly: true });
    if (!checked.ok) throw new Error(`HubSpot sandbox: invalid values: ${checked.results.map((r) => `${r.name}: ${r.message}`).join('; ')}`);
    return checked.values;
  };

  return {
    app,
    state,
    get stats() {
      return state.stats;
    },
    get baseUrl() {
      return baseUrl;
    },
    get webhooks() {
      return state.webhooks;
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const s = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          server = s;
          s.keepAliveTimeout = 65_000;
          baseUrl = `http://${host}:${(s.address() as AddressInfo).port}`;
          resolve(baseUrl);
        });
      });
    },
    async close() {
      for (const stop of activities) stop();
      activities.length = 0;
      state.webhooks?.close();
      if (!server) return;
      const s = server;
      server = null;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    seed(n) {
      state.reseed(n);
    },
    touchContact(id, props, changeOpts) {
      return state.write(indexOrThrow(id), validOrThrow(props), userSource(changeOpts));
    },
    createContact(props, changeOpts) {
      const index = state.create(validOrThrow(props), userSource({ sourceType: 'FORM', changeSource: 'FORM', ...changeOpts }));
      return state.store.idOf(index);
    },
    deleteContact(id, changeOpts) {
      return state.remove(indexOrThrow(id), changeOpts?.privacy ?? false, userSource(changeOpts));
    },
    restoreContact(id, changeOpts) {
      const index = state.store.anyIndexOf(id);
      if (index < 0 || !state.store.isArchived(index)) throw new Error(`HubSpot sandbox: no archived contact ${id}`);
      return state.restore(index, userSource(changeOpts));
    },
    mergeContacts(primaryId, mergedId, changeOpts) {
      if (primaryId === mergedId) throw new Error('HubSpot sandbox: a contact cannot be merged into itself');
      return state.merge(indexOrThrow(primaryId), indexOrThrow(mergedId), userSource(changeOpts));
    },
    recordConversion(id, eventName) {
      const index = indexOrThrow(id);
      const num = (name: string) => Number(state.store.value(index, name) ?? '0') || 0;
      const at = new Date(state.now()).toISOString();
      const values: Record<string, string> = {
        recent_conversion_event_name: eventName,
        recent_conversion_date: at,
        num_conversion_events: String(num('num_conversion_events') + 1),
        hs_analytics_num_page_views: String(num('hs_analytics_num_page_views') + 3),
        hs_analytics_num_visits: String(num('hs_analytics_num_visits') + 1),
        hs_analytics_last_visit_timestamp: at,
      };
      if (!state.store.value(index, 'first_conversion_event_name')) {
        values.first_conversion_event_name = eventName;
        values.first_conversion_date = at;
      }
      return state.write(index, validOrThrow(values), { sourceType: 'FORM', changeSource: 'FORM' });
    },
    getContact(id) {
      const index = state.store.indexOf(id);
      if (index < 0) return null;
      const out: Record<string, string | null> = {};
      for (const name of state.store.propertyNames(index)) out[name] = state.store.value(index, name);
      return out;
    },
    contactIds() {
      return Array.from({ length: state.store.size }, (_, i) => i).filter((i) => !state.store.isArchived(i)).map((i) => state.store.idOf(i));
    },
    startActivity(activityOpts) {
      const stop = startActivity(state, activityOpts);
      activities.push(stop);
      return stop;
    },
    configureWebhooks(webhookOpts) {
      state.configureWebhooks(webhookOpts);
    },
    flushWebhooks() {
      return state.webhooks?.idle() ?? Promise.resolve();
    },
    resetStats() {
      state.resetStats();
    },
  };
}
