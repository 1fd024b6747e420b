import { cleanText } from './missing-value.js';

/**
 * Country names and codes → ISO 3166-1 alpha-2. English names come from the runtime's own ICU
 * data (Intl.DisplayNames), so the table is complete without a hand-kept list; ALIASES adds the
 * everyday spellings ICU does not use. Text we don't recognise is kept cleaned (the canonical
 * lead's contract), so nothing is lost; values that mean "no answer" become null.
 */
const ALIASES: Record<string, string> = {
  usa: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  america: 'US',
  'united states of america': 'US',
  uk: 'GB',
  'u.k.': 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  uae: 'AE',
  'hong kong': 'HK',
  macau: 'MO',
  macao: 'MO',
  'south korea': 'KR',
  korea: 'KR',
  'republic of korea': 'KR',
  'north korea': 'KP',
  russia: 'RU',
  'russian federation': 'RU',
  deutschland: 'DE',
  holland: 'NL',
  'the netherlands': 'NL',
  'czech republic': 'CZ',
  'ivory coast': 'CI',
  turkey: 'TR',
  'viet nam': 'VN',
  'people’s republic of china': 'CN',
  "people's republic of china": 'CN',
  prc: 'CN',
  españa: 'ES',
  brasil: 'BR',
  méxico: 'MX',
};

/** Codes ICU names that are not countries (EU, UN, Eurozone, user-assigned and pseudo regions). */
const NOT_COUNTRIES = /^(?:AA|EU|EZ|UN|ZZ|Q[M-Z]|X[A-Z])$/;

let byName: Map<string, string> | null = null;

function nameTable(): Map<string, string> {
  if (byName) return byName;
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  const table = new Map<string, string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (NOT_COUNTRIES.test(code)) continue;
      const name = names.of(code);
      if (name && name !== code && name !== 'Unknown Region') table.set(name.toLowerCase(), code);
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) table.set(alias, code);
  byName = table;
  return table;
}

let codes: Set<string> | null = null;

/** Known alpha-2 codes (the values of the name table). */
function isCode(code: string): boolean {
  codes ??= new Set(nameTable().values());
  return codes.has(code);
}

export function normalizeCountry(raw: unknown): string | null {
  const text = cleanText(raw);
  if (text === null) return null;
  const key = text.toLowerCase().replace(/\s+/g, ' ');
  const fromName = nameTable().get(key);
  if (fromName) return fromName;
  if (/^[a-z]{2}$/.test(key)) {
    const code = key.toUpperCase();
    if (code === 'UK') return 'GB';
    if (isCode(code)) return code;
  }
  return text;
}
