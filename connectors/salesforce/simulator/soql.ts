/**
 * The SOQL subset the simulator answers: SELECT fields (with parent relationship paths such as
 * Account.Name) FROM one object, WHERE with AND / OR / NOT, parentheses, = != < <= > >= LIKE,
 * IN / NOT IN lists, string / number / boolean / null / date-time literals, ORDER BY with
 * ASC / DESC and NULLS FIRST / LAST, and LIMIT. Anything else is a MALFORMED_QUERY, as in Salesforce.
 */

export class SoqlError extends Error {}

type Literal = string | number | boolean | null | { dateTime: number } | { date: string };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE'; value: Literal }
  | { kind: 'in'; field: string; negate: boolean; values: Literal[] };

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: Condition | null;
  orderBy: Array<{ field: string; desc: boolean; nullsLast: boolean }>;
  limit: number | null;
}

type Token = { t: 'id' | 'str' | 'num' | 'dt' | 'date' | 'op' | 'punct'; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![T\d])/;

function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const rest = soql.slice(i);
    const c = soql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = DATETIME.exec(rest))) {
      out.push({ t: 'dt', v: m[0] });
      i += m[0].length;
    } else if ((m = DATE.exec(rest))) {
      out.push({ t: 'date', v: m[0] });
      i += m[0].length;
    } else if (c === "'") {
      let j = i + 1;
      let value = '';
      while (j < soql.length && soql[j] !== "'") {
        if (soql[j] === '\\') {
          const next = soql[j + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
          j += 2;
        } else value += soql[j++];
      }
      if (j >= soql.length) throw new SoqlError('unterminated string literal');
      out.push({ t: 'str', v: value });
      i = j + 1;
    } else if ((m = /^-?\d+(\.\d+)?/.exec(rest))) {
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if ((m = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*/.exec(rest))) {
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else if ((m = /^(<=|>=|!=|<>|=|<|>)/.exec(rest))) {
      out.push({ t: 'op', v: m[0] === '<>' ? '!=' : m[0] });
      i += m[0].length;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
    } else throw new SoqlError(`unexpected character '${c}' at ${i}`);
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isKeyword(word: string): boolean {
    const t = this.peek();
    return !!t && t.t === 'id' && t.v.toUpperCase() === word;
  }
  private keyword(word: string): void {
    if (!this.isKeyword(word)) throw new SoqlError(`expected ${word} near '${this.peek()?.v ?? 'end'}'`);
    this.i++;
  }
  private punct(p: string): void {
    const t = this.peek();
    if (!t || t.t !== 'punct' || t.v !== p) throw new SoqlError(`expected '${p}' near '${t?.v ?? 'end'}'`);
    this.i++;
  }
  private ident(): string {
    const t = this.peek();
    if (!t || t.t !== 'id') throw new SoqlError(`expected a field name near '${t?.v ?? 'end'}'`);
    this.i++;
    return t.v;
  }

  parse(): SoqlQuery {
    this.keyword('SELECT');
    const fields = [this.ident()];
    while (this.peek()?.v === ',') {
      this.i++;
      fields.push(this.ident());
    }
    this.keyword('FROM');
    const object = this.ident();
    const where = this.isKeyword('WHERE') ? (this.i++, this.orExpr()) : null;
    const orderBy: SoqlQuery['orderBy'] = [];
    if (this.isKeyword('ORDER')) {
      this.i++;
      this.keyword('BY');
      do {
        if (orderBy.length) this.i++;
        const field = this.ident();
        let desc = false;
        if (this.isKeyword('ASC')) this.i++;
        else if (this.isKeyword('DESC')) (this.i++, (desc = true));
        let nullsLast = desc;
        if (this.isKeyword('NULLS')) {
          this.i++;
          if (this.isKeyword('FIRST')) (this.i++, (nullsLast = false));
          else (this.keyword('LAST'), (nullsLast = true));
        }
        orderBy.push({ field, desc, nullsLast });
      } while (this.peek()?.v === ',');
    }
    let limit: number | null = null;
    if (this.isKeyword('LIMIT')) {
      this.i++;
      const t = this.peek();
      if (!t || t.t !== 'num') throw new SoqlError('LIMIT needs a number');
      this.i++;
      limit = Number(t.v);
    }
    if (this.i !== this.tokens.length) throw new SoqlError(`unexpected '${this.peek()!.v}'`);
    return { fields, object, where, orderBy, limit };
  }

  private orExpr(): Condition {
    let left = this.andExpr();
    while (this.isKeyword('OR')) {
      this.i++;
      left = { kind: 'or', left, right: this.andExpr() };
    }
    return left;
  }
  private andExpr(): Condition {
    let left = this.unary();
    while (this.isKeyword('AND')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }
  private unary(): Condition {
    if (this.isKeyword('NOT')) {
      this.i++;
      return { kind: 'not', inner: this.unary() };
    }
    if (this.peek()?.v === '(') {
      this.i++;
      const inner = this.orExpr();
      this.punct(')');
      return inner;
    }
    const field = this.ident();
    if (this.isKeyword('IN') || this.isKeyword('NOT')) {
      const negate = this.isKeyword('NOT');
      if (negate) this.i++;
      this.keyword('IN');
      this.punct('(');
      const values = [this.literal()];
      while (this.peek()?.v === ',') {
        this.i++;
        values.push(this.literal());
      }
      this.punct(')');
      return { kind: 'in', field, negate, values };
    }
    if (this.isKeyword('LIKE')) {
      this.i++;
      return { kind: 'cmp', field, op: 'LIKE', value: this.literal() };
    }
    const op = this.peek();
    if (!op || op.t !== 'op') throw new SoqlError(`expected an operator after ${field}`);
    this.i++;
    return { kind: 'cmp', field, op: op.v as '=', value: this.literal() };
  }
  private literal(): Literal {
    const t = this.peek();
    if (!t) throw new SoqlError('expected a value');
    this.i++;
    switch (t.t) {
      case 'str':
        return t.v;
      case 'num':
        return Number(t.v);
      case 'dt':
        return { dateTime: Date.parse(t.v) };
      case 'date':
        return { date: t.v };
      case 'id': {
        const w = t.v.toLowerCase();
        if (w === 'true' || w === 'false') return w === 'true';
        if (w === 'null') return null;
        break;
      }
    }
    throw new SoqlError(`unexpected value '${t.v}'`);
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).parse();
}

/** Salesforce date-times come as 2026-11-20T10:00:00.000+0000. */
export function toEpoch(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : t;
}

function compare(a: unknown, b: Literal): number | null {
  if (a === null || a === undefined || b === null) return null;
  if (typeof b === 'object' && 'dateTime' in b) {
    const t = toEpoch(a);
    return t === null ? null : t - b.dateTime;
  }
  if (typeof b === 'object' && 'date' in b) {
    const s = String(a).slice(0, 10);
    return s < b.date ? -1 : s > b.date ? 1 : 0;
  }
  if (typeof b === 'number') return Number(a) - b;
  if (typeof b === 'boolean') return a === b ? 0 : 1;
  const x = String(a);
  return x < b ? -1 : x > b ? 1 : 0;
}

function equals(a: unknown, b: Literal): boolean {
  if (b === null) return a === null || a === undefined;
  if (typeof b === 'string' && typeof a === 'string') return a.toLowerCase() === b.toLowerCase(); // SOQL = is case-insensitive on text
  return compare(a, b) === 0;
}

export type FieldReader = (field: string) => unknown;

/** The text values of an IN list, lower-cased once per list: `WhoId IN (200 ids)` runs against every row. */
const textSets = new WeakMap<Literal[], Set<string>>();
function textValues(values: Literal[]): Set<string> {
  let set = textSets.get(values);
  if (!set) textSets.set(values, (set = new Set(values.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()))));
  return set;
}

export function evaluate(cond: Condition, read: FieldReader): boolean {
  switch (cond.kind) {
    case 'and':
      return evaluate(cond.left, read) && evaluate(cond.right, read);
    case 'or':
      return evaluate(cond.left, read) || evaluate(cond.right, read);
    case 'not':
      return !evaluate(cond.inner, read);
    case 'in': {
      const v = read(cond.field);
      const hit = typeof v === 'string' ? textValues(cond.values).has(v.toLowerCase()) || cond.values.some((x) => typeof x !== 'string' && equals(v, x)) : cond.values.some((x) => equals(v, x));
      return cond.negate ? !hit : hit;
    }
    case 'cmp': {
      const v = read(cond.field);
      if (cond.op === '=') return equals(v, cond.value);
      if (cond.op === '!=') return !equals(v, cond.value);
      if (cond.op === 'LIKE') {
        if (typeof v !== 'string' || typeof cond.value !== 'string') return false;
        const re = new RegExp(`^${cond.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
        return re.test(v);
      }
      const c = compare(v, cond.value);
      if (c === null) return false;
      return cond.op === '<' ? c < 0 : cond.op === '<=' ? c <= 0 : cond.op === '>' ? c > 0 : c >= 0;
    }
  }
}

export function sortKey(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const t = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? toEpoch(value) : null;
  return t ?? String(value);
}
