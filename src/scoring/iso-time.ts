/**
 * Milliseconds since the epoch for an ISO-8601 instant such as "2026-11-20T09:30:00.000Z" or
 * "2026-11-20T10:30:00+01:00". Event times are parsed for every event of every lead scored, so
 * the common shape is read digit by digit (several times faster than Date.parse); anything else
 * falls back to Date.parse. NaN when the text is not a time.
 */
export function isoToMillis(text: string): number {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return Date.parse(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return Date.parse(text);
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    // Fraction: keep milliseconds, ignore finer digits.
    i++;
    let scale = 100;
    while (i < n) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      millis += c * scale;
      scale /= 10;
      i++;
    }
    millis = Math.floor(millis);
  }
  let offsetMinutes = 0;
  const sign = text.charCodeAt(i);
  if (sign === 90 && i === n - 1) {
    offsetMinutes = 0;
  } else if ((sign === 43 || sign === 45) && i + 6 === n && text.charCodeAt(i + 3) === 58) {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (oh < 0 || om < 0) return Date.parse(text);
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return Date.parse(text);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}
