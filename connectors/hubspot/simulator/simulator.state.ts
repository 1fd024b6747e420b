import {
  ALWAYS_RETURNED,
  DEFAULT_CONTACT_PROPERTIES,
  standardContactGroups,
  standardContactProperties,
  type PropertyDefinition,
  type PropertyGroupDefinition,
} from './contact-properties.catalog.js';
import { ContactSearch } from './contact-search.js';
import { ContactStore, type PropertyChange, type WriteSource } from './contact.store.js';
import type { PropertyValidationResult } from './hubspot-error.bodies.js';
import { checkValue, missingProperty } from './property-values.validator.js';
import { DailyBudget, RollingWindow } from './rate-limit.policy.js';
import { nextMidnight } from './time-zone.js';
import { WebhookDispatcher, type WebhookEvent, type WebhookOptions } from './webhook.dispatcher.js';

/** Everything the sandbox holds: one HubSpot account (portal) with its contacts, properties and limits. */

export interface HubSpotSimulatorOptions {
  portalId?: number;
  /** The private-app token every request must carry as `Authorization: Bearer …`. */
  accessToken?: string;
  /** Seeded contacts (default 300). */
  contacts?: number;
  /** PRNG seed: the same seed gives the same contacts (default 42). */
  seed?: number | string;
  /** Id of the first seeded contact (default 101). */
  firstContactId?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Rolling per-account limit (default 100 calls per 10,000 ms); false disables it. */
  rateLimit?: { max: number; intervalMs: number } | false;
  /** Calls per day (default 250,000, the Free/Starter figure). */
  dailyLimit?: number;
  /** Search requests per second, its own limit (default 5); false disables it. */
  searchPerSecond?: number | false;
  webhook?: WebhookOptions;
  timeZone?: string;
  /** Extra latency added to every API answer, to mimic the network (default 0). */
  latencyMs?: number;
  /**
   * How far the search index trails writes (HubSpot: "a few moments"; default 0). Search then
   * matches, sorts and returns contacts as they were that long ago.
   */
  searchLagMs?: number;
}

export interface SimulatorStats {
  /** Calls per endpoint, e.g. "POST /crm/v3/objects/contacts/batch/update". */
  calls: Record<string, number>;
  totalCalls: number;
  /** 429s sent, by policyName. */
  rateLimited: { TEN_SECONDLY_ROLLING: number; DAILY: number; SECONDLY: number };
  /** Most calls accepted inside any one rolling window (the limit is respected when ≤ max). */
  maxCallsInWindow: number;
  maxSearchesInSecond: number;
  searchCalls: number;
  /** Calls that wrote (batch update, update, create, property and group creation). */
  writeCalls: number;
  /** Contacts written by those calls (found and accepted, changed or not). */
  recordsWritten: number;
  /** Property values that actually changed. */
  propertyChanges: number;
  unauthorized: number;
  validationErrors: number;
}

export interface ContactObject {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, Array<{ value: string; timestamp: string; sourceType: string; sourceId?: string; updatedByUserId?: number }>>;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

/** Subscription ids of the object-level subscriptions (property changes get one per property). */
const OBJECT_SUBSCRIPTIONS: Record<Exclude<WebhookEvent['subscriptionType'], 'contact.propertyChange'>, number> = {
  'contact.creation': 1_000,
  'contact.deletion': 1_001,
  'contact.privacyDeletion': 1_002,
  'contact.restore': 1_003,
  'contact.merge': 1_004,
};

/** An API write is attributed to the private app, as HubSpot does for integration traffic. */
export function apiSource(appId: number): WriteSource {
  return { sourceType: 'INTEGRATION', sourceId: String(appId), changeSource: 'INTEGRATION' };
}

export class SimulatorState {
  readonly portalId: number;
  readonly accessToken: string;
  readonly timeZone: string;
  readonly now: () => number;
  readonly latencyMs: number;
  readonly searchLagMs: number;
  readonly seedValue: number | string;
  store: ContactStore;
  search: ContactSearch;
  readonly properties = new Map<string, PropertyDefinition>();
  readonly groups = new Map<string, PropertyGroupDefinition>();
  readonly window: RollingWindow;
  readonly rateLimitEnabled: boolean;
  readonly daily: DailyBudget;
  readonly searchWindow: RollingWindow;
  readonly searchLimitEnabled: boolean;
  webhooks: WebhookDispatcher | null;
  readonly appId: number;
  stats!: SimulatorStats;
  private nextEventId = 100_000_001;

  constructor(opts: HubSpotSimulatorOptions = {}) {
    this.portalId = opts.portalId ?? 62515;
    this.accessToken = opts.accessToken ?? 'pat-na1-sandbox-token';
    this.timeZone = opts.timeZone ?? 'US/Eastern';
    this.now = opts.now ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
    this.searchLagMs = opts.searchLagMs ?? 0;
    this.seedValue = opts.seed ?? 42;
    for (const p of standardContactProperties()) this.properties.set(p.name, p);
    for (const g of standardContactGroups()) this.groups.set(g.name, g);
    this.store = new ContactStore({ seed: this.seedValue, count: opts.contacts ?? 300, anchorMs: this.now(), firstId: opts.firstContactId });
    this.search = new ContactSearch(this.store, (n) => this.property(n));
    const rl = opts.rateLimit === false ? { max: Number.MAX_SAFE_INTEGER, intervalMs: 10_000 } : (opts.rateLimit ?? { max: 100, intervalMs: 10_000 });
    this.rateLimitEnabled = opts.rateLimit !== false;
    this.window = new RollingWindow(rl.max, rl.intervalMs);
    this.daily = new DailyBudget(opts.dailyLimit ?? 250_000, this.now(), (now) => nextMidnight(this.timeZone, now));
    this.searchLimitEnabled = opts.searchPerSecond !== false;
    this.searchWindow = new RollingWindow(opts.searchPerSecond === false ? Number.MAX_SAFE_INTEGER : (opts.searchPerSecond ?? 5), 1000);
    this.webhooks = opts.webhook ? new WebhookDispatcher(opts.webhook, this.now) : null;
    this.appId = this.webhooks?.appId ?? opts.webhook?.appId ?? 1160452;
    this.resetStats();
  }

  /** Points webhooks somewhere else (or turns them off); pending deliveries of the old target are dropped. */
  configureWebhooks(options: WebhookOptions | null): void {
    this.webhooks?.close();
    this.webhooks = options ? new WebhookDispatcher({ appId: this.appId, ...options }, this.now) : null;
  }

  resetStats(): void {
    const state = this;
    this.stats = {
      calls: {},
      totalCalls: 0,
      rateLimited: { TEN_SECONDLY_ROLLING: 0, DAILY: 0, SECONDLY: 0 },
      get maxCallsInWindow() {
        return state.window.maxSeen;
      },
      get maxSearchesInSecond() {
        return state.searchWindow.maxSeen;
      },
      searchCalls: 0,
      writeCalls: 0,
      recordsWritten: 0,
      propertyChanges: 0,
      unauthorized: 0,
      validationErrors: 0,
    };
    this.window.maxSeen = 0;
    this.searchWindow.maxSeen = 0;
  }

  /** Replaces the contacts with `count` freshly seeded ones (custom properties stay defined). */
  reseed(count: number): void {
    this.store = new ContactStore({ seed: this.seedValue, count, anchorMs: this.now(), firstId: this.store.firstId });
    this.search = new ContactSearch(this.store, (n) => this.property(n));
  }

  property(name: string): PropertyDefinition | undefined {
    const p = this.properties.get(name);
    return p && !p.archived ? p : undefined;
  }

  /** Validates a whole property map; HubSpot rejects the request if any value is invalid. */
  validate(props: Record<string, unknown>, opts: { allowReadOnly?: boolean } = {}): { ok: true; values: Record<string, string> } | { ok: false; results: PropertyValidationResult[] } {
    const values: Record<string, string> = {};
    const results: PropertyValidationResult[] = [];
    for (const [name, raw] of Object.entries(props)) {
      let def = this.property(name);
      if (def && opts.allowReadOnly && def.readOnlyValue && name !== 'hs_object_id' && name !== 'lastmodifieddate') def = { ...def, readOnlyValue: false };
      const check = def ? checkValue(def, name, raw, this.portalId) : { ok: false as const, result: missingProperty(name, this.portalId) };
      if (check.ok) values[name] = check.value;
      else results.push(check.result);
    }
    return results.length > 0 ? { ok: false, results } : { ok: true, values };
  }

  private event(
    index: number,
    base: Pick<WebhookEvent, 'subscriptionType' | 'propertyName' | 'propertyValue' | 'changeFlag' | 'primaryObjectId' | 'mergedObjectIds' | 'newObjectId' | 'numberOfPropertiesMoved'>,
    source: WriteSource,
    at: number,
  ): WebhookEvent {
    const subscriptionId =
      base.subscriptionType === 'contact.propertyChange' ? 2_000 + [...this.properties.keys()].indexOf(base.propertyName ?? '') : OBJECT_SUBSCRIPTIONS[base.subscriptionType];
    return {
      eventId: this.nextEventId++,
      subscriptionId,
      portalId: this.portalId,
      appId: this.appId,
      occurredAt: at,
      attemptNumber: 0,
      objectId: Number(this.store.idOf(index)),
      changeSource: source.changeSource,
      ...(source.sourceId ? { sourceId: source.sourceId } : {}),
      ...base,
    };
  }

  /** Applies validated values and fires propertyChange webhooks for what really changed. */
  write(index: number, values: Record<string, string>, source: WriteSource): PropertyChange[] {
    const at = this.now();
    const changes = this.store.update(index, values, source, at);
    this.stats.propertyChanges += changes.length;
    if (this.webhooks && changes.length > 0) {
      const events = changes
        .map((c) => this.event(index, { subscriptionType: 'contact.propertyChange', propertyName: c.name, propertyValue: c.value }, source, at))
        .filter((e) => this.webhooks!.subscribes(e));
      this.webhooks.enqueue(events);
    }
    return changes;
  }

  create(values: Record<string, string>, source: WriteSource): number {
    const at = this.now();
    const index = this.store.create(values, source, at);
    if (this.webhooks) {
      const events: WebhookEvent[] = [this.event(index, { subscriptionType: 'contact.creation', changeFlag: 'CREATED' }, source, at)];
      for (const name of this.store.propertyNames(index)) {
        const value = this.store.value(index, name);
        if (value === null || ALWAYS_RETURNED.includes(name)) continue;
        events.push(this.event(index, { subscriptionType: 'contact.propertyChange', propertyName: name, propertyValue: value }, source, at));
      }
      this.webhooks.enqueue(events.filter((e) => this.webhooks!.subscribes(e)));
    }
    return index;
  }

  /**
   * A contact deleted in HubSpot: archived (restorable) or, with privacy, GDPR "permanently
   * delete"d. Either way reads, search and email lookups stop seeing it; fires the webhook.
   */
  remove(index: number, privacy: boolean, source: WriteSource): WebhookEvent | null {
    const at = this.now();
    this.store.archive(index);
    return this.fire(index, { subscriptionType: privacy ? 'contact.privacyDeletion' : 'contact.deletion' }, source, at);
  }

  /** An archived contact restored (same id); fires contact.restore. */
  restore(index: number, source: WriteSource): WebhookEvent | null {
    const at = this.now();
    this.store.restore(index, at);
    return this.fire(index, { subscriptionType: 'contact.restore' }, source, at);
  }

  /**
   * `merged` merged into `primary`, as HubSpot's merge does: the primary keeps its id and takes
   * the values it lacks from the other, which stops existing; fires contact.merge for the primary.
   */
  merge(primary: number, merged: number, source: WriteSource): WebhookEvent | null {
    const at = this.now();
    const moved: Record<string, string> = {};
    for (const name of this.store.propertyNames(merged)) {
      const value = this.store.value(merged, name);
      if (value && !ALWAYS_RETURNED.includes(name) && name !== 'createdate' && !this.store.value(primary, name)) moved[name] = value;
    }
    this.store.update(primary, moved, source, at);
    this.store.touch(primary, at);
    this.store.archive(merged);
    const primaryId = Number(this.store.idOf(primary));
    return this.fire(primary, {
      subscriptionType: 'contact.merge',
      primaryObjectId: primaryId,
      mergedObjectIds: [Number(this.store.idOf(merged))],
      newObjectId: primaryId,
      numberOfPropertiesMoved: Object.keys(moved).length,
    }, source, at);
  }

  /** Queues one object-level event; returns it (null when webhooks are off), so a test can replay it. */
  private fire(index: number, base: Parameters<SimulatorState['event']>[1], source: WriteSource, at: number): WebhookEvent | null {
    if (!this.webhooks) return null;
    const event = this.event(index, base, source, at);
    if (!this.webhooks.subscribes(event)) return null;
    this.webhooks.enqueue([event]);
    return event;
  }

  /** Contact index from an id or, with idProperty "email", an email; -1 when unknown. */
  resolve(id: string, idProperty?: string): number {
    if (idProperty && idProperty !== 'hs_object_id') return idProperty === 'email' ? this.store.indexOfEmail(id) : -1;
    return this.store.indexOf(id);
  }

  /** A SimplePublicObject: requested (or default) properties plus the three always returned. */
  toObject(index: number, properties?: string[], withHistory?: string[], asOf?: number): ContactObject {
    const names = properties && properties.length > 0 ? [...new Set([...properties, ...ALWAYS_RETURNED])] : DEFAULT_CONTACT_PROPERTIES;
    const props: Record<string, string | null> = {};
    for (const name of names) {
      if (!this.property(name)) continue; // HubSpot silently skips properties that don't exist
      props[name] = asOf === undefined ? this.store.value(index, name) : this.store.valueAsOf(index, name, asOf);
    }
    const updatedAt = asOf === undefined ? this.store.modifiedAt(index) : (this.store.modifiedAsOf(index, asOf) ?? this.store.createdAt(index));
    const obj: ContactObject = {
      id: this.store.idOf(index),
      properties: props,
      createdAt: new Date(this.store.createdAt(index)).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
      archived: false,
    };
    if (withHistory && withHistory.length > 0) {
      obj.propertiesWithHistory = {};
      for (const name of withHistory) {
        if (!this.property(name)) continue;
        obj.propertiesWithHistory[name] = this.store.history(index, name).map((h) => {
          const userId = /^userId:(\d+)$/i.exec(h.sourceId ?? '')?.[1];
          return {
            value: h.value,
            timestamp: new Date(h.timestamp).toISOString(),
            sourceType: h.sourceType,
            ...(h.sourceId ? { sourceId: h.sourceId } : {}),
            ...(userId ? { updatedByUserId: Number(userId) } : {}),
          };
        });
      }
    }
    return obj;
  }
}
