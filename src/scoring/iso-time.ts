/**
 * Milliseconds since the epoch for an ISO-8601 instant such as "2026-11-20T09:30:00.000Z" or
 * "2026-11-20T10:30:00+01:00". Event times are parsed for every event of every lead scored, so
 * the common shape is read digit by digit with integer calendar arithmetic (several times faster
 * than Date.parse or Date.UTC); anything else falls back to Date.parse. NaN when it is not a time.
 */
export function isoToMillis(text: string): number {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return Date.parse(text);
  }
  const y0 = text.charCodeAt(0) - 48, y1 = text.charCodeAt(1) - 48, y2 = text.charCodeAt(2) - 48, y3 = text.charCodeAt(3) - 48;
  const mo0 = text.charCodeAt(5) - 48, mo1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48, d1 = text.charCodeAt(9) - 48;
  const h0 = text.charCodeAt(11) - 48, h1 = text.charCodeAt(12) - 48;
  const mi0 = text.charCodeAt(14) - 48, mi1 = text.charCodeAt(15) - 48;
  const s0 = text.charCodeAt(17) - 48, s1 = text.charCodeAt(18) - 48;
  // `>>> 0` turns a negative (non-digit below "0") into a huge number, so one test per digit;
  // `|` instead of `||` keeps it one branch.
  if (
    notDigit(y0) | notDigit(y1) | notDigit(y2) | notDigit(y3) | notDigit(mo0) | notDigit(mo1) | notDigit(d0) | notDigit(d1) |
    notDigit(h0) | notDigit(h1) | notDigit(mi0) | notDigit(mi1) | notDigit(s0) | notDigit(s1)
  ) {
    return Date.parse(text);
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (month < 1 || month > 12 || day < 1 || (day > 28 && day > daysInMonth(year, month)) || hour > 23 || minute > 59 || second > 59) return Date.parse(text);

  // The shape every API and toISOString() produce: "2026-11-20T09:30:00.123Z".
  if (n === 24 && text.charCodeAt(19) === 46 && text.charCodeAt(23) === 90) {
    const f0 = text.charCodeAt(20) - 48, f1 = text.charCodeAt(21) - 48, f2 = text.charCodeAt(22) - 48;
    if (notDigit(f0) | notDigit(f1) | notDigit(f2)) return Date.parse(text);
    return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + f0 * 100 + f1 * 10 + f2;
  }

  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    // Fraction: keep milliseconds, ignore finer digits.
    i++;
    let scale = 100;
    for (; i < n; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c >>> 0 > 9) break;
      if (scale >= 1) millis += c * scale;
      scale /= 10;
    }
  }
  let offsetMinutes = 0;
  const sign = text.charCodeAt(i);
  if (sign === 90 && i === n - 1) {
    offsetMinutes = 0;
  } else if ((sign === 43 || sign === 45) && i + 6 === n && text.charCodeAt(i + 3) === 58) {
    const oh0 = text.charCodeAt(i + 1) - 48, oh1 = text.charCodeAt(i + 2) - 48;
    const om0 = text.charCodeAt(i + 4) - 48, om1 = text.charCodeAt(i + 5) - 48;
    if (oh0 >>> 0 > 9 || oh1 >>> 0 > 9 || om0 >>> 0 > 9 || om1 >>> 0 > 9) return Date.parse(text);
    offsetMinutes = (sign === 45 ? -1 : 1) * ((oh0 * 10 + oh1) * 60 + om0 * 10 + om1);
  } else {
    return Date.parse(text);
  }
  const days = daysFromCivil(year, month, day);
  return (((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  // Integer division by `| 0` (years here are 4 digits, so everything fits 32 bits).
  const era = ((y >= 0 ? y : y - 399) / 400) | 0;
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = (((153 * mp + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146097 + doe - 719468;
}

/** 1 when `d` (a char code minus 48) is not a digit, else 0. */
const notDigit = (d: number) => (d >>> 0 > 9 ? 1 : 0);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
