/**
 * HubSpot's per-account limits: a rolling window (100 calls per 10 s by default; any 10 s
 * span, not fixed buckets), a daily budget reset at the portal's midnight, and the search API's separate
 * per-second limit. Rejected calls don't consume budget.
 */

export class RollingWindow {
  /** Accepted-call timestamps, oldest first; never more than `max` inside the window. */
  private readonly stamps: number[] = [];
  /** Most calls ever seen inside one window (benchmarks report it). */
  maxSeen = 0;

  constructor(
    readonly max: number,
    readonly intervalMs: number,
  ) {}

  private prune(now: number): void {
    const cutoff = now - this.intervalMs;
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop]! <= cutoff) drop++;
    if (drop > 0) this.stamps.splice(0, drop);
  }

  /** Counts the call if the window has room; returns calls left after it (or -1 when refused). */
  tryAcquire(now: number): number {
    this.prune(now);
    if (this.stamps.length >= this.max) return -1;
    this.stamps.push(now);
    if (this.stamps.length > this.maxSeen) this.maxSeen = this.stamps.length;
    return this.max - this.stamps.length;
  }

  remaining(now: number): number {
    this.prune(now);
    return this.max - this.stamps.length;
  }

  /** ms until the oldest call leaves the window (0 when there is room). */
  msUntilFree(now: number): number {
    this.prune(now);
    return this.stamps.length < this.max ? 0 : this.stamps[0]! + this.intervalMs - now;
  }
}

export class DailyBudget {
  used = 0;
  private resetAt: number;

  constructor(
    readonly max: number,
    now: number,
    /** When the budget next resets after `now` (HubSpot: midnight in the portal's time zone). */
    private readonly nextReset: (now: number) => number,
  ) {
    this.resetAt = nextReset(now);
  }

  private roll(now: number): void {
    if (now >= this.resetAt) {
      this.used = 0;
      this.resetAt = this.nextReset(now);
    }
  }

  tryAcquire(now: number): boolean {
    this.roll(now);
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  remaining(now: number): number {
    this.roll(now);
    return this.max - this.used;
  }

  get resetsAt(): number {
    return this.resetAt;
  }
}
