/** UTC offset of an IANA time zone at an instant (HubSpot resets daily limits at the portal's midnight). */
export function utcOffset(timeZone: string, at: number): { text: string; ms: number } {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(at))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!m) return { text: '+00:00', ms: 0 };
  const ms = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000);
  return { text: `${m[1]}${m[2]}:${m[3]}`, ms };
}

/** The next local midnight in `timeZone` after `now`, as epoch ms. */
export function nextMidnight(timeZone: string, now: number): number {
  const day = 86_400_000;
  const offset = utcOffset(timeZone, now).ms;
  return Math.floor((now + offset) / day + 1) * day - offset;
}
