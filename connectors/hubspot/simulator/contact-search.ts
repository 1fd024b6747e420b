import type { PropertyDefinition } from './contact-properties.catalog.js';
import type { ContactStore } from './contact.store.js';
import { parseTimestamp } from './property-values.validator.js';
import { SEARCH_LIMITS, type Filter, type SearchRequest } from './search.schema.js';

/**
 * Evaluates CRM search over the compact store. hs_object_id, createdate and lastmodifieddate
 * are answered from typed arrays without generating contacts, so the incremental-sync query
 * (lastmodifieddate GTE cursor, sorted ascending) stays fast at 100,000 contacts.
 */

export type SearchOutcome =
  | { ok: true; total: number; indexes: number[]; nextAfter: string | null; asOf?: number }
  | { ok: false; message: string };

type Predicate = (index: number) => boolean;
type Kind = 'number' | 'time' | 'string';

function kindOf(def: PropertyDefinition): Kind {
  if (def.type === 'number') return 'number';
  if (def.type === 'datetime' || def.type === 'date') return 'time';
  return 'string';
}

function toComparable(kind: Kind, raw: string): number | string | null {
  if (kind === 'time') return parseTimestamp(raw);
  if (kind === 'number') {
    const n = Number(raw);
    return Number.isNaN(n) ? null : n;
  }
  return raw.toLowerCase();
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ContactSearch {
  private sorted: { key: string; version: number; order: Uint32Array } | null = null;

  constructor(
    private readonly store: ContactStore,
    private readonly property: (name: string) => PropertyDefinition | undefined,
  ) {}

  /**
   * The value of a property as a comparable (number for numbers and times); null when empty.
   * With `asOf`, values are read as the (lagging) search index saw them at that time.
   */
  private reader(name: string, kind: Kind, asOf?: number): (index: number) => number | string | null {
    const store = this.store;
    if (name === 'hs_object_id') return (i) => store.firstId + i;
    if (name === 'createdate') return (i) => store.createdAt(i);
    if (name === 'lastmodifieddate') return asOf === undefined ? (i) => store.modifiedAt(i) : (i) => store.modifiedAsOf(i, asOf);
    return (i) => {
      const v = asOf === undefined ? store.scanValue(i, name) : store.valueAsOf(i, name, asOf);
      return v === null || v === '' ? null : toComparable(kind, v);
    };
  }

  private predicate(filter: Filter, asOf?: number): Predicate | string {
    const def = this.property(filter.propertyName);
    if (!def) return `Property "${filter.propertyName}" does not exist on object type contacts`;
    const kind = kindOf(def);
    const read = this.reader(filter.propertyName, kind, asOf);
    const conv = (raw: string | undefined, what: string): { v: number | string } | { error: string } => {
      if (raw === undefined) return { error: `${filter.operator} filter on ${filter.propertyName} requires ${what}` };
      const v = toComparable(kind, raw);
      if (v === null) return { error: `Invalid value "${raw}" for ${kind === 'time' ? 'datetime' : 'number'} property ${filter.propertyName}` };
      return { v };
    };
    const op = filter.operator;
    if (op === 'HAS_PROPERTY') return (i) => read(i) !== null;
    if (op === 'NOT_HAS_PROPERTY') return (i) => read(i) === null;
    if (op === 'IN' || op === 'NOT_IN') {
      if (!filter.values || filter.values.length === 0) return `${op} filter on ${filter.propertyName} requires values`;
      const set = new Set(filter.values.map((v) => toComparable(kind, v)));
      return op === 'IN' ? (i) => set.has(read(i)!) : (i) => !set.has(read(i)!);
    }
    if (op === 'CONTAINS_TOKEN' || op === 'NOT_CONTAINS_TOKEN') {
      if (filter.value === undefined) return `${op} filter on ${filter.propertyName} requires a value`;
      const pattern = filter.value.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      const token = new RegExp(`(^|[\\s@.,;:/_-])${pattern}($|[\\s@.,;:/_-])`);
      const has: Predicate = (i) => {
        const v = read(i);
        return v !== null && (token.test(String(v)) || new RegExp(`^${pattern}$`).test(String(v)));
      };
      return op === 'CONTAINS_TOKEN' ? has : (i) => !has(i);
    }
    if (op === 'BETWEEN') {
      const lowC = conv(filter.value, 'a value');
      const highC = conv(filter.highValue, 'a highValue');
      if ('error' in lowC) return lowC.error;
      if ('error' in highC) return highC.error;
      const low = lowC.v;
      const high = highC.v;
      return (i) => {
        const v = read(i);
        return v !== null && compare(v, low) >= 0 && compare(v, high) <= 0;
      };
    }
    const targetC = conv(filter.value, 'a value');
    if ('error' in targetC) return targetC.error;
    const target = targetC.v;
    switch (op) {
      case 'EQ':
        return (i) => read(i) === target;
      case 'NEQ':
        return (i) => read(i) !== target;
      case 'GT':
        return (i) => { const v = read(i); return v !== null && compare(v, target) > 0; };
      case 'GTE':
        return (i) => { const v = read(i); return v !== null && compare(v, target) >= 0; };
      case 'LT':
        return (i) => { const v = read(i); return v !== null && compare(v, target) < 0; };
      default:
        return (i) => { const v = read(i); return v !== null && compare(v, target) <= 0; };
    }
  }

  /** Free-text `query`: a prefix of any word in the default searchable properties. */
  private queryPredicate(query: string, asOf?: number): Predicate {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const fields = ['email', 'firstname', 'lastname', 'phone', 'company', 'website'];
    return (i) => {
      const text = fields.map((f) => (asOf === undefined ? this.store.scanValue(i, f) : this.store.valueAsOf(i, f, asOf)) ?? '').join(' ').toLowerCase();
      const tokens = text.split(/[\s@.]+/);
      return words.every((w) => tokens.some((t) => t.startsWith(w)) || text.includes(w));
    };
  }

  /** Indexes of every contact, in the requested order (ties broken by id), cached until a write. */
  private order(sort: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' } | undefined, asOf?: number): Uint32Array | string {
    const name = sort?.propertyName ?? 'hs_object_id';
    const desc = sort?.direction === 'DESCENDING';
    const key = `${name}:${desc ? 'd' : 'a'}`;
    const cached = this.sorted;
    if (cached && cached.key === key && asOf === undefined) {
      if (cached.version === this.store.version && cached.order.length === this.store.size) return cached.order;
      const patched = this.patchByModified(cached);
      if (patched) return patched;
    }
    const def = this.property(name);
    if (!def) return `Property "${name}" does not exist on object type contacts`;
    const n = this.store.size;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (name !== 'hs_object_id') {
      const read = this.reader(name, kindOf(def), asOf);
      const keys: Array<number | string | null> = new Array(n);
      for (let i = 0; i < n; i++) keys[i] = read(i);
      // Empty values sort last in either direction, as in HubSpot's UI.
      order.sort((a, b) => {
        const ka = keys[a]!;
        const kb = keys[b]!;
        if (ka === null || kb === null) return ka === kb ? a - b : ka === null ? 1 : -1;
        return (desc ? compare(kb, ka) : compare(ka, kb)) || a - b;
      });
    } else if (desc) {
      order.reverse();
    }
    // An order read through a lagging index is only good for this one search.
    if (asOf === undefined) this.sorted = { key, version: this.store.version, order };
    return order;
  }

  /**
   * The incremental sync sorts by lastmodifieddate ascending while writes keep landing. A
   * write stamps "now", so a changed contact simply moves to the end: patch the cached order
   * instead of re-sorting 100,000 contacts on every page.
   */
  private patchByModified(cached: { key: string; version: number; order: Uint32Array }): Uint32Array | null {
    if (cached.key !== 'lastmodifieddate:a' || cached.order.length === 0) return null;
    const store = this.store;
    const changed = [...new Set(store.changedSince(cached.version))];
    const moved = new Uint8Array(store.size);
    for (const i of changed) moved[i] = 1;
    // Exact only if every changed contact now sorts strictly after every unchanged one.
    let t = cached.order.length - 1;
    while (t >= 0 && moved[cached.order[t]!] === 1) t--;
    if (t >= 0) {
      const unchangedMax = store.modifiedAt(cached.order[t]!);
      if (changed.some((i) => store.modifiedAt(i) <= unchangedMax)) return null;
    }
    changed.sort((a, b) => store.modifiedAt(a) - store.modifiedAt(b) || a - b);
    const order = new Uint32Array(store.size);
    let k = 0;
    for (const i of cached.order) if (moved[i] === 0) order[k++] = i;
    for (const i of changed) order[k++] = i;
    if (k !== store.size) return null;
    this.sorted = { key: cached.key, version: store.version, order };
    return order;
  }

  /**
   * `asOf`: HubSpot's search index trails writes by a few moments; when given, contacts are
   * matched, sorted (and should be rendered) as they were at that time.
   */
  run(req: SearchRequest, asOf?: number): SearchOutcome {
    const lagging = asOf !== undefined && this.store.latestChange > asOf ? asOf : undefined;
    const L = SEARCH_LIMITS;
    if (req.limit > L.maxPageSize) return { ok: false, message: `limit must be at most ${L.maxPageSize}, got ${req.limit}` };
    if (!Number.isInteger(req.after) || req.after < 0) return { ok: false, message: `Invalid paging cursor after=${req.after}` };
    if (req.after >= L.maxResults || req.after + req.limit > L.maxResults) {
      return { ok: false, message: `Search results are limited to ${L.maxResults} total results for any given query; cannot page beyond (after=${req.after}, limit=${req.limit})` };
    }
    if (req.filterGroups.length > L.maxFilterGroups) return { ok: false, message: `Too many filter groups: ${req.filterGroups.length} (maximum ${L.maxFilterGroups})` };
    const total = req.filterGroups.reduce((n, g) => n + g.filters.length, 0);
    if (req.filterGroups.some((g) => g.filters.length > L.maxFiltersPerGroup) || total > L.maxFiltersTotal) {
      return { ok: false, message: `Too many filters: at most ${L.maxFiltersPerGroup} per group and ${L.maxFiltersTotal} in total` };
    }
    if (req.sorts.length > L.maxSorts) return { ok: false, message: `Only ${L.maxSorts} sort is supported per search, got ${req.sorts.length}` };

    const groups: Predicate[][] = [];
    for (const g of req.filterGroups) {
      const preds: Predicate[] = [];
      for (const f of g.filters) {
        const p = this.predicate(f, lagging);
        if (typeof p === 'string') return { ok: false, message: p };
        preds.push(p);
      }
      groups.push(preds);
    }
    const query = req.query ? this.queryPredicate(req.query, lagging) : null;
    // Archived (deleted or merged-away) contacts are not searchable.
    const visible = lagging === undefined ? (i: number) => !this.store.isArchived(i) : (i: number) => this.store.createdAt(i) <= lagging && !this.store.isArchived(i);
    const matches = (i: number): boolean =>
      visible(i) && (groups.length === 0 || groups.some((preds) => preds.every((p) => p(i)))) && (query === null || query(i));

    const order = this.order(req.sorts[0], lagging);
    if (typeof order === 'string') return { ok: false, message: order };
    let count = 0;
    const indexes: number[] = [];
    const end = req.after + req.limit;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (!matches(i)) continue;
      if (count >= req.after && count < end) indexes.push(i);
      count++;
    }
    return { ok: true, total: count, indexes, nextAfter: count > end ? String(end) : null, asOf: lagging };
  }
}
