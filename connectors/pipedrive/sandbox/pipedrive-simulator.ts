import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountStore, type ChangeOrigin } from './account.store.js';
import type { SandboxUser } from './crm-records.js';
import { crmListsRoutes } from './crm-lists.routes.js';
import type { PersonCreate, PersonPatch } from './person-patch.schema.js';
import { personFieldsRoutes } from './person-fields.routes.js';
import { personsRoutes } from './persons.routes.js';
import { errorBody, rateLimited, unauthorized } from './pipedrive-error.bodies.js';
import { RateLimitPolicy, type RateLimitOptions } from './rate-limit.policy.js';
import { personV2 } from './record-views.js';
import { SandboxClock } from './sandbox-clock.js';
import type { SandboxContext } from './sandbox-context.js';
import { endpointKey, TOKEN_COSTS } from './token-costs.catalog.js';
import { usersRoutes } from './users.routes.js';
import { webhooksRoutes } from './webhooks.routes.js';
import { WebhookDispatcher, type DeliveryRecord, type WebhookDeliveryOptions, type WebhookSubscription } from './webhook.dispatcher.js';

/**
 * The in-repo Pipedrive sandbox: an Express app serving the v2 and v1 endpoints a qualify
 * connector uses, under Pipedrive's paths (/api/v2/..., /api/v1/...), with its auth, token-based
 * limits, error bodies and webhooks v2. The object API (seed, changePerson, deletePerson,
 * mergePersons, clock, stats, webhookDeliveries, webhooksSettled) drives it from tests and demos.
 */

export type { RateLimitOptions } from './rate-limit.policy.js';
export type { DeliveryRecord, WebhookDeliveryOptions, WebhookPayload, WebhookSubscription } from './webhook.dispatcher.js';
export type { PersonCreate, PersonPatch } from './person-patch.schema.js';

export interface PipedriveSimulatorOptions {
  /** Accepted in `x-api-token` or `?api_token=` (default pd-sandbox-api-token). */
  apiToken?: string;
  /** Accepted as `Authorization: Bearer <token>` (OAuth access tokens; burst limit of OAuth apps). */
  oauthTokens?: string[];
  companyId?: number;
  companyName?: string;
  /** The `{domain}` of {domain}.pipedrive.com (users/me company_domain, webhook meta.host). */
  companyDomain?: string;
  /** Seeded persons (organizations, activities and deals follow), default 50. */
  persons?: number;
  seed?: number;
  /** Latest seeded add/update time (default: the clock's now). */
  start?: Date;
  /** Token-based limits, or false for none (headers are still sent). */
  rateLimit?: RateLimitOptions | false;
  webhooks?: WebhookDeliveryOptions;
}

export interface SandboxStats {
  /** Calls per endpoint ("GET /api/v2/persons"), refused ones included. */
  callsByEndpoint: Record<string, number>;
  /** Calls that reached a route, by endpoint, whatever the status. */
  totalCalls: number;
  rateLimited: { burst: number; daily: number };
  unauthorized: number;
  tokensUsed: number;
}

export interface ControlOptions {
  /** "app" (a person in the Pipedrive web app, the default) or "api". */
  source?: 'app' | 'api';
  userId?: number;
}

const USERS: SandboxUser[] = [
  { id: 1001, name: 'Sandbox Admin', email: 'admin@sandbox.example' },
  { id: 1002, name: 'Sam Seller', email: 'sam@sandbox.example' },
  { id: 1003, name: 'Riley Rep', email: 'riley@sandbox.example' },
];

function emptyStats(): SandboxStats {
  return { callsByEndpoint: {}, totalCalls: 0, rateLimited: { burst: 0, daily: 0 }, unauthorized: 0, tokensUsed: 0 };
}

export class PipedriveSimulator {
  readonly app: Express;
  readonly clock = new SandboxClock();
  readonly store: AccountStore;
  readonly apiToken: string;
  readonly oauthTokens: string[];
  readonly companyId: number;
  readonly companyDomain: string;
  readonly limits: RateLimitPolicy | null;
  readonly webhooks: WebhookDispatcher;
  readonly subscriptions: WebhookSubscription[] = [];
  stats: SandboxStats = emptyStats();
  private server: Server | null = null;
  private readonly ctx: SandboxContext;

  constructor(opts: PipedriveSimulatorOptions = {}) {
    this.apiToken = opts.apiToken ?? 'pd-sandbox-api-token';
    this.oauthTokens = opts.oauthTokens ?? [];
    this.companyId = opts.companyId ?? 7_654_321;
    this.companyDomain = opts.companyDomain ?? 'qualify-sandbox';
    this.limits = opts.rateLimit === false ? null : new RateLimitPolicy(opts.rateLimit ?? {});
    this.store = new AccountStore(() => this.clock.now(), USERS);
    let webhookIds = 0;
    this.webhooks = new WebhookDispatcher(
      { companyId: this.companyId, host: `${this.companyDomain}.pipedrive.com`, permittedUserIds: () => USERS.map((u) => u.id), now: () => this.clock.now() },
      () => this.subscriptions,
      opts.webhooks,
    );
    this.store.onChange = (e) => this.webhooks.publish(e);
    this.ctx = {
      store: this.store, clock: this.clock, webhooks: this.webhooks, subscriptions: this.subscriptions,
      nextWebhookId: () => ++webhookIds, companyId: this.companyId, companyName: opts.companyName ?? 'Qualify Sandbox Inc.',
      companyDomain: this.companyDomain, userId: USERS[0]!.id,
    };
    this.seed(opts.persons ?? 50, { seed: opts.seed, start: opts.start });
    this.app = this.buildApp();
  }

  private buildApp(): Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ limit: '5mb' }));
    app.use(this.authAndLimits());
    for (const routes of [personsRoutes, crmListsRoutes, personFieldsRoutes, webhooksRoutes, usersRoutes]) app.use(routes(this.ctx));
    app.use((_req, res) => void res.status(404).json(errorBody('Unknown method .')));
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      const status = (err as { status?: number }).status ?? 500;
      res.status(status).json(status === 400 ? errorBody('Bad request') : { success: false, error: 'Internal Server Error', code: 'ERR_UNKNOWN' });
    };
    app.use(onError);
    return app;
  }

  /** Auth (x-api-token, ?api_token=, Bearer) then the token-based limits; counts every call. */
  private authAndLimits(): RequestHandler {
    return (req, res, next) => {
      const key = endpointKey(req.method, req.path);
      this.stats.callsByEndpoint[key] = (this.stats.callsByEndpoint[key] ?? 0) + 1;
      this.stats.totalCalls++;
      const headerToken = req.get('x-api-token');
      const queryToken = typeof req.query.api_token === 'string' ? req.query.api_token : undefined;
      const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
      let kind: 'api_token' | 'oauth';
      let token: string;
      if (bearer !== undefined && this.oauthTokens.includes(bearer)) [kind, token] = ['oauth', bearer];
      else if ((headerToken ?? queryToken) === this.apiToken) [kind, token] = ['api_token', this.apiToken];
      else {
        this.stats.unauthorized++;
        return void res.status(401).json(unauthorized());
      }
      if (!this.limits) return next();
      const verdict = this.limits.admit(this.clock.now(), token, kind, TOKEN_COSTS[key] ?? 10, req.method);
      res.set(verdict.headers);
      if (!verdict.ok) {
        this.stats.rateLimited[verdict.reason]++;
        return void res.status(429).json(rateLimited());
      }
      this.stats.tokensUsed = this.limits.tokensUsed;
      next();
    };
  }

  // ---- lifecycle -------------------------------------------------------------------------

  get url(): string | null {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    return addr ? `http://127.0.0.1:${addr.port}` : null;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      const server = this.app.listen(port, host, () => resolve(this.url!));
      server.on('error', reject);
      this.server = server;
    });
  }

  async close(): Promise<void> {
    this.webhooks.close();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- control API (tests, demo, benchmarks; not part of Pipedrive) ---------------------------

  /** Replaces the account's records with `persons` freshly seeded ones (custom fields are kept). */
  seed(persons: number, opts: { seed?: number; start?: Date } = {}): void {
    this.store.seed({ persons, seed: opts.seed ?? 42, start: opts.start?.getTime() ?? this.clock.now() });
  }

  setClock(at: Date): void {
    this.clock.set(at);
  }

  /** Sets the daily token budget (e.g. to run out of it in a test); the day's spend is kept. */
  setDailyTokenBudget(tokens: number): void {
    if (this.limits) this.limits.dailyTokenBudget = tokens;
  }

  private origin(opts: ControlOptions = {}): ChangeOrigin {
    return { source: opts.source ?? 'app', userId: opts.userId ?? USERS[1]!.id };
  }

  /** Key of the custom person field called `name` (undefined when there is none). */
  fieldKey(name: string): string | undefined {
    return this.store.catalog.customByName(name)?.key;
  }

  /** A person edited in the Pipedrive app (default) with a v2 PATCH body; fires a change webhook. Throws on invalid values. */
  changePerson(id: number, patch: PersonPatch, opts?: ControlOptions): Record<string, unknown> {
    return personV2(this.store.updatePerson(id, patch, this.origin(opts)), this.store.catalog);
  }

  /** Sets custom fields by field name, as a user in the app would. */
  setCustomFields(id: number, byName: Record<string, unknown>, opts?: ControlOptions): Record<string, unknown> {
    const custom_fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(byName)) {
      const key = this.fieldKey(name);
      if (!key) throw new Error(`No custom person field named ${name}`);
      custom_fields[key] = value;
    }
    return this.changePerson(id, { custom_fields }, opts);
  }

  createPerson(input: PersonCreate, opts?: ControlOptions): Record<string, unknown> {
    return personV2(this.store.createPerson(input, this.origin(opts)), this.store.catalog);
  }

  deletePerson(id: number, opts?: ControlOptions): void {
    this.store.deletePerson(id, this.origin(opts));
  }

  /** Merges `mergedId` into `survivorId` like PUT /v1/persons/{mergedId}/merge { merge_with_id: survivorId }. */
  mergePersons(mergedId: number, survivorId: number, opts?: ControlOptions): Record<string, unknown> {
    return personV2(this.store.mergePersons(mergedId, survivorId, this.origin(opts)), this.store.catalog);
  }

  /** The person as GET /v2/persons/{id} renders it, deleted ones included (null if unknown). */
  getPerson(id: number): Record<string, unknown> | null {
    const p = this.store.persons.get(id);
    return p ? personV2(p, this.store.catalog) : null;
  }

  /** The person's stored custom field values by field name (option fields as labels). */
  customValuesByName(id: number): Record<string, unknown> {
    const p = this.store.persons.get(id);
    if (!p) throw new Error(`No person ${id}`);
    const out: Record<string, unknown> = {};
    for (const f of this.store.catalog.custom()) {
      const v = p.custom[f.key] ?? null;
      const label = (o: number) => f.options?.find((x) => x.id === o)?.label ?? o;
      out[f.name] = v === null ? null : f.field_type === 'enum' ? label(v as number) : f.field_type === 'set' ? (v as number[]).map(label) : v;
    }
    return out;
  }

  personIds(): number[] {
    return [...this.store.persons.values()].filter((p) => !p.is_deleted).map((p) => p.id);
  }

  configureWebhooks(opts: WebhookDeliveryOptions): void {
    this.webhooks.configure(opts);
  }

  webhookDeliveries(): DeliveryRecord[] {
    return [...this.webhooks.deliveries];
  }

  /** Resolves once all webhook deliveries so far (retries included) are done. */
  webhooksSettled(): Promise<void> {
    return this.webhooks.settled();
  }

  resetStats(): void {
    this.stats = emptyStats();
  }
}
