/**
 * A small, strict XML reader for the SOAP envelopes Salesforce Outbound Messages send. It keeps
 * what those envelopes use (elements, attributes, text, CDATA, comments, the XML declaration)
 * and refuses the rest: a DOCTYPE (hence any entity declaration, so no XXE and no entity
 * expansion bombs), unknown entities, mismatched tags, and nesting deeper than 32 levels.
 * Names keep their prefix in `name`; `local` is the part after the colon, which is what the
 * receiver matches on (senders pick their own prefixes: soapenv:, soap:, SOAP-ENV:, …).
 */

export interface XmlElement {
  name: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const MAX_DEPTH = 32;
const NAME = /^[A-Za-z_][\w.\-]*(:[A-Za-z_][\w.\-]*)?$/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  if (/&(?![^;&\s]{1,10};)/.test(text)) throw new XmlError(`bare '&' near offset ${at}`);
  return text.replace(/&([^;&\s]{1,10});/g, (whole, ref: string) => {
    if (ref in ENTITIES) return ENTITIES[ref]!;
    const m = /^#(x[0-9a-fA-F]+|\d+)$/.exec(ref);
    if (m) {
      const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
      if (code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new XmlError(`unknown entity ${whole} near offset ${at}`);
  });
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i === -1 ? name : name.slice(i + 1);
}

function parseAttributes(source: string, at: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/gy;
  let rest = source;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  let consumed = 0;
  while ((m = re.exec(rest)) !== null) {
    const name = m[1]!;
    if (!NAME.test(name)) throw new XmlError(`bad attribute name "${name}" near offset ${at}`);
    if (name in attrs) throw new XmlError(`duplicate attribute "${name}" near offset ${at}`);
    attrs[name] = decode(m[3] ?? m[4] ?? '', at);
    consumed = re.lastIndex;
  }
  rest = rest.slice(consumed);
  if (rest.trim() !== '') throw new XmlError(`malformed attributes near offset ${at}`);
  return attrs;
}

/** Index of the '>' closing the start tag at `from`, skipping quoted attribute values. */
function tagEnd(input: string, from: number): number {
  let quote = '';
  for (let j = from + 1; j < input.length; j++) {
    const c = input[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
    else if (c === '<') return -1;
  }
  return -1;
}

export function parseXml(input: string): XmlElement {
  if (/<!DOCTYPE/i.test(input) || /<!ENTITY/i.test(input)) throw new XmlError('DOCTYPE and entity declarations are not accepted');
  const root: XmlElement = { name: '#document', local: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const textEnd = lt === -1 ? input.length : lt;
    if (textEnd > i) {
      const text = input.slice(i, textEnd);
      const top = stack[stack.length - 1]!;
      if (top === root) {
        if (text.trim() !== '') throw new XmlError(`text outside the root element near offset ${i}`);
      } else top.text += decode(text, i);
    }
    if (lt === -1) break;
    if (input.startsWith('<?', lt)) {
      const end = input.indexOf('?>', lt);
      if (end === -1) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else if (input.startsWith('<!--', lt)) {
      const end = input.indexOf('-->', lt);
      if (end === -1) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', lt)) {
      const end = input.indexOf(']]>', lt);
      if (end === -1) throw new XmlError('unterminated CDATA section');
      const top = stack[stack.length - 1]!;
      if (top === root) throw new XmlError('CDATA outside the root element');
      top.text += input.slice(lt + 9, end);
      i = end + 3;
    } else if (input.startsWith('</', lt)) {
      const end = input.indexOf('>', lt);
      if (end === -1) throw new XmlError('unterminated end tag');
      const name = input.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (!top || top === root || top.name !== name) throw new XmlError(`end tag </${name}> does not match <${top?.name ?? ''}> near offset ${lt}`);
      i = end + 1;
    } else if (input.startsWith('<!', lt)) {
      throw new XmlError(`markup declarations are not accepted (offset ${lt})`);
    } else {
      const end = tagEnd(input, lt);
      if (end === -1) throw new XmlError('unterminated start tag');
      let body = input.slice(lt + 1, end);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const nameMatch = /^[^\s/>]+/.exec(body);
      const name = nameMatch?.[0] ?? '';
      if (!NAME.test(name)) throw new XmlError(`bad element name "${name}" near offset ${lt}`);
      const el: XmlElement = { name, local: localName(name), attrs: parseAttributes(body.slice(name.length), lt), children: [], text: '' };
      const parent = stack[stack.length - 1]!;
      if (parent === root && root.children.length > 0) throw new XmlError('more than one root element');
      parent.children.push(el);
      if (!selfClosing) {
        if (stack.length > MAX_DEPTH) throw new XmlError(`nesting deeper than ${MAX_DEPTH} levels`);
        stack.push(el);
      }
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new XmlError(`unclosed element <${stack[stack.length - 1]!.name}>`);
  const doc = root.children[0];
  if (!doc) throw new XmlError('no root element');
  return doc;
}

export function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

export function childrenNamed(el: XmlElement | undefined, local: string): XmlElement[] {
  return el ? el.children.filter((c) => c.local === local) : [];
}

/** True for `xsi:nil="true"` (whatever the prefix). */
export function isNil(el: XmlElement): boolean {
  return Object.entries(el.attrs).some(([k, v]) => localName(k) === 'nil' && (v === 'true' || v === '1'));
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
