/**
 * HubSpot's daily API limit resets at midnight in the account's time zone (the `timeZone` of
 * GET /account-info/v3/details). When we don't know the zone, we assume UTC and say so.
 */

export interface DailyReset {
  resetAt: Date;
  timeZone: string;
  /** True when the account's zone was unknown or invalid and UTC was assumed. */
  assumed: boolean;
}

export function isValidTimeZone(tz: string | undefined | null): tz is string {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Offset of `tz` from UTC at instant `at`, in ms (positive east of Greenwich). */
function offsetMs(tz: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

/** The next midnight in `timeZone` strictly after `now`. */
export function nextDailyReset(now: Date, timeZone?: string | null): DailyReset {
  const assumed = !isValidTimeZone(timeZone);
  const tz = assumed ? 'UTC' : (timeZone as string);
  const wallNow = new Date(now.getTime() + offsetMs(tz, now.getTime()));
  const wallMidnight = Date.UTC(wallNow.getUTCFullYear(), wallNow.getUTCMonth(), wallNow.getUTCDate() + 1);
  // Wall time → instant: subtract the offset in force at that instant (twice, for DST edges).
  let instant = wallMidnight - offsetMs(tz, wallMidnight);
  instant = wallMidnight - offsetMs(tz, instant);
  return { resetAt: new Date(instant), timeZone: tz, assumed };
}
