import { LIFECYCLE_STAGES } from './contact-properties.catalog.js';
import { generateSeedContact, SEEDED_PROPERTIES, seedDates, type HistoryEntry, type SeedContact } from './seed-contacts.generator.js';

/**
 * Contacts, stored compactly. A seeded contact costs two float64 timestamps; its values are
 * regenerated from (seed, index) when read. Only what changed after seeding lives in memory:
 * an overlay of per-property histories (newest first), like HubSpot's property history.
 */

export interface WriteSource {
  /** Property-history sourceType: INTEGRATION for API writes, CRM_UI for a person, ... */
  sourceType: string;
  sourceId?: string;
  /** Webhook changeSource for the same change. */
  changeSource: string;
}

export interface PropertyChange {
  name: string;
  value: string;
}

const STAGE_RANK = new Map<string, number>(LIFECYCLE_STAGES.map((s, i) => [s, i]));
const CACHE_LIMIT = 4096;

export class ContactStore {
  readonly seed: number | string;
  readonly anchorMs: number;
  readonly firstId: number;
  private readonly seeded: number;
  private count: number;
  private created: Float64Array;
  private modified: Float64Array;
  /** index → property → history (newest first). Covers every write after seeding. */
  private readonly overlay = new Map<number, Map<string, HistoryEntry[]>>();
  private readonly baseCache = new Map<number, SeedContact>();
  /** Seeded values of one property for every contact, built on the first search that filters or sorts on it. */
  private readonly baseColumns = new Map<string, Array<string | undefined>>();
  private emailIndex: Map<string, number> | null = null;
  private readonly archived = new Set<number>();
  /** Earlier lastmodifieddate values of changed contacts (newest first): search lag reads them. */
  private readonly previousModified = new Map<number, number[]>();
  /** Latest change time of any contact (0 before the first change). */
  latestChange = 0;

  /** Indexes changed after seeding, one entry per change (search patches its cached order from it). */
  private readonly changeLog: number[] = [];

  /** Bumped on every change: search caches its sorted orders against it. */
  get version(): number {
    return this.changeLog.length;
  }

  /** Indexes changed since `version` (may repeat). */
  changedSince(version: number): number[] {
    return this.changeLog.slice(version);
  }

  constructor(opts: { seed: number | string; count: number; anchorMs: number; firstId?: number }) {
    this.seed = opts.seed;
    this.anchorMs = opts.anchorMs;
    this.firstId = opts.firstId ?? 101;
    this.seeded = opts.count;
    this.count = opts.count;
    const capacity = Math.max(16, opts.count + 64);
    this.created = new Float64Array(capacity);
    this.modified = new Float64Array(capacity);
    for (let i = 0; i < opts.count; i++) {
      const d = seedDates(opts.seed, i, opts.anchorMs);
      this.created[i] = d.createdAt;
      this.modified[i] = d.modifiedAt;
    }
  }

  get size(): number {
    return this.count;
  }

  idOf(index: number): string {
    return String(this.firstId + index);
  }

  /** -1 when no such contact (or it is archived: deleted or merged away). */
  indexOf(id: string): number {
    const index = this.anyIndexOf(id);
    return this.archived.has(index) ? -1 : index;
  }

  /** Index of an id whether archived or not; -1 when it never existed. */
  anyIndexOf(id: string): number {
    if (!/^\d+$/.test(id)) return -1;
    const index = Number(id) - this.firstId;
    return index >= 0 && index < this.count ? index : -1;
  }

  /** Deleted (archived, restorable) or merged away: reads, search and email lookups no longer see it. */
  isArchived(index: number): boolean {
    return this.archived.has(index);
  }

  archive(index: number): void {
    this.archived.add(index);
  }

  /** Back from the archive; lastmodifieddate moves, as a restore is a change a sync must see. */
  restore(index: number, now: number): void {
    if (!this.archived.delete(index)) return;
    this.touch(index, now);
  }

  indexOfEmail(email: string): number {
    if (!this.emailIndex) {
      this.emailIndex = new Map();
      for (let i = 0; i < this.count; i++) {
        const e = this.value(i, 'email');
        if (e) this.emailIndex.set(e.toLowerCase(), i);
      }
    }
    const index = this.emailIndex.get(email.toLowerCase()) ?? -1;
    return this.archived.has(index) ? -1 : index;
  }

  createdAt(index: number): number {
    return this.created[index]!;
  }

  modifiedAt(index: number): number {
    return this.modified[index]!;
  }

  private base(index: number): SeedContact | null {
    if (index >= this.seeded) return null;
    let contact = this.baseCache.get(index);
    if (!contact) {
      contact = generateSeedContact(this.seed, index, this.anchorMs);
      if (this.baseCache.size >= CACHE_LIMIT) this.baseCache.delete(this.baseCache.keys().next().value!);
      this.baseCache.set(index, contact);
    }
    return contact;
  }

  /** Current value; null when never set, "" when cleared. */
  value(index: number, name: string): string | null {
    if (name === 'hs_object_id') return this.idOf(index);
    if (name === 'createdate') return new Date(this.created[index]!).toISOString();
    if (name === 'lastmodifieddate') return new Date(this.modified[index]!).toISOString();
    const changed = this.overlay.get(index)?.get(name);
    if (changed) return changed[0]!.value;
    if (!SEEDED_PROPERTIES.has(name)) return null; // e.g. qualify_*: no need to generate the contact
    return this.base(index)?.values[name] ?? null;
  }

  /**
   * Same as value(), for full scans (search on a property without a typed array): seeded
   * values come from a per-property column generated once, not from the contact cache,
   * which a 100,000-contact scan would only churn.
   */
  scanValue(index: number, name: string): string | null {
    if (name === 'hs_object_id' || name === 'createdate' || name === 'lastmodifieddate') return this.value(index, name);
    const changed = this.overlay.get(index)?.get(name);
    if (changed) return changed[0]!.value;
    return this.seededValue(index, name);
  }

  private seededValue(index: number, name: string): string | null {
    if (index >= this.seeded || !SEEDED_PROPERTIES.has(name)) return null;
    let column = this.baseColumns.get(name);
    if (!column) {
      column = new Array<string | undefined>(this.seeded);
      for (let i = 0; i < this.seeded; i++) column[i] = (this.baseCache.get(i) ?? generateSeedContact(this.seed, i, this.anchorMs)).values[name];
      this.baseColumns.set(name, column);
    }
    return column[index] ?? null;
  }

  /**
   * lastmodifieddate as HubSpot's search index saw it at time `at` (search lags writes);
   * null when the contact did not exist yet.
   */
  modifiedAsOf(index: number, at: number): number | null {
    if (this.created[index]! > at) return null;
    const current = this.modified[index]!;
    if (current <= at) return current;
    for (const t of this.previousModified.get(index) ?? []) if (t <= at) return t;
    return this.created[index]!;
  }

  /** A value as it was at time `at` (for a lagging search index); null when unset then. */
  valueAsOf(index: number, name: string, at: number): string | null {
    if (name === 'lastmodifieddate') {
      const t = this.modifiedAsOf(index, at);
      return t === null ? null : new Date(t).toISOString();
    }
    const changed = this.overlay.get(index)?.get(name);
    if (changed) {
      for (const entry of changed) if (entry.timestamp <= at) return entry.value;
      return this.seededValue(index, name);
    }
    return this.scanValue(index, name);
  }

  /** Property history, newest first, as HubSpot's propertiesWithHistory reports it. */
  history(index: number, name: string): HistoryEntry[] {
    const changed = this.overlay.get(index)?.get(name) ?? [];
    let seeded: HistoryEntry[] = [];
    if (name === 'createdate' || name === 'hs_object_id') {
      seeded = [{ value: this.value(index, name)!, timestamp: this.created[index]!, sourceType: 'CALCULATED' }];
    } else if (name === 'lastmodifieddate') {
      return [{ value: this.value(index, name)!, timestamp: this.modified[index]!, sourceType: 'CALCULATED' }];
    } else if (SEEDED_PROPERTIES.has(name)) {
      const base = this.base(index);
      if (base) {
        const multi = base.history[name];
        if (multi) seeded = multi;
        else if (base.values[name] !== undefined) {
          seeded = [{ value: base.values[name]!, timestamp: this.created[index]!, sourceType: base.sourceOf[name] ?? 'IMPORT' }];
        }
      }
    }
    return changed.length === 0 ? seeded : [...changed, ...seeded];
  }

  /** Names of every property with a value (seeded or written). */
  propertyNames(index: number): string[] {
    const names = new Set(Object.keys(this.base(index)?.values ?? {}));
    for (const name of this.overlay.get(index)?.keys() ?? []) names.add(name);
    names.add('createdate').add('lastmodifieddate').add('hs_object_id');
    return [...names];
  }

  /**
   * Applies already-validated values. Unchanged values and backward lifecycle moves are
   * skipped without error (HubSpot ignores a lifecyclestage set to an earlier stage).
   * Returns what actually changed; lastmodifieddate moves only when something did.
   */
  update(index: number, props: Record<string, string>, source: WriteSource, now: number): PropertyChange[] {
    const changes: PropertyChange[] = [];
    for (const [name, value] of Object.entries(props)) {
      const current = this.value(index, name);
      if ((current ?? '') === value) continue;
      // The forward-only rule binds integrations, imports and forms; a person in the CRM UI may move it back.
      if (name === 'lifecyclestage' && value !== '' && current && source.sourceType !== 'CRM_UI') {
        const from = STAGE_RANK.get(current);
        const to = STAGE_RANK.get(value);
        if (from !== undefined && to !== undefined && to < from) continue;
      }
      let props = this.overlay.get(index);
      if (!props) this.overlay.set(index, (props = new Map()));
      const list = props.get(name);
      const entry: HistoryEntry = { value, timestamp: now, sourceType: source.sourceType, ...(source.sourceId ? { sourceId: source.sourceId } : {}) };
      if (list) list.unshift(entry);
      else props.set(name, [entry]);
      changes.push({ name, value });
      if (name === 'email' && this.emailIndex) {
        if (current) this.emailIndex.delete(current.toLowerCase());
        if (value) this.emailIndex.set(value.toLowerCase(), index);
      }
    }
    if (changes.length > 0) this.touch(index, now);
    return changes;
  }

  /** Moves lastmodifieddate (keeping the earlier value for lagging search) and logs the change. */
  touch(index: number, now: number): void {
    const before = this.modified[index]!;
    const list = this.previousModified.get(index);
    if (list) list.unshift(before);
    else this.previousModified.set(index, [before]);
    this.modified[index] = Math.max(now, before);
    this.latestChange = Math.max(this.latestChange, this.modified[index]!);
    this.changeLog.push(index);
  }

  /** A new contact (API create or a simulated form fill); returns its index. */
  create(props: Record<string, string>, source: WriteSource, now: number): number {
    if (this.count === this.created.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.created = grow(this.created);
      this.modified = grow(this.modified);
    }
    const index = this.count++;
    this.created[index] = now;
    this.modified[index] = now;
    const withDefaults: Record<string, string> = { lifecyclestage: 'lead', ...props };
    if (withDefaults.email && !withDefaults.hs_email_domain) withDefaults.hs_email_domain = withDefaults.email.split('@')[1] ?? '';
    const map = new Map<string, HistoryEntry[]>();
    for (const [name, value] of Object.entries(withDefaults)) {
      if (value === '') continue;
      map.set(name, [{ value, timestamp: now, sourceType: source.sourceType, ...(source.sourceId ? { sourceId: source.sourceId } : {}) }]);
    }
    this.overlay.set(index, map);
    if (this.emailIndex && withDefaults.email) this.emailIndex.set(withDefaults.email.toLowerCase(), index);
    this.latestChange = Math.max(this.latestChange, now);
    this.changeLog.push(index);
    return index;
  }

  /** How many contacts carry post-seed changes (memory check for benchmarks). */
  get changedContacts(): number {
    return this.overlay.size;
  }
}
