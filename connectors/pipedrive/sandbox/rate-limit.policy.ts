/**
 * Pipedrive's token-based limits (pipedrive.readme.io/docs/core-api-concepts-rate-limiting):
 *  - a daily token budget per company (30,000 × plan multiplier × seats), shared by every token of
 *    the account, each call spending its endpoint's token cost, reset at midnight in the server's
 *    time zone (UTC here), exhausted → 429 until the reset;
 *  - a burst limit per API/OAuth token: N requests in any rolling 2-second window (Growth: 40 for
 *    api_token, 160 for OAuth), past it → 429;
 *  - `x-daily-requests-left`: POST/PUT requests left of the daily fair-usage allowance (10,000 per
 *    user per UTC day, changelog 2019-06-25), sent only to api_token requests; informational.
 * Refused calls spend no tokens and take no place in the window (the docs are silent; see README).
 */

export interface RateLimitOptions {
  /** Requests per rolling window per api_token (Growth plan: 40). */
  burstApiToken?: number;
  /** Requests per rolling window per OAuth access token (Growth plan: 160). */
  burstOAuth?: number;
  /** The rolling window (Pipedrive: 2 s). */
  windowMs?: number;
  /** Company token budget per day (default 30,000 × 2 (Growth) × 3 seats). */
  dailyTokenBudget?: number;
  /** POST/PUT fair-usage allowance reported in x-daily-requests-left. */
  dailyWriteRequests?: number;
}

export type Verdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; reason: 'burst' | 'daily'; headers: Record<string, string> };

const DAY_MS = 86_400_000;

class RollingWindow {
  private readonly stamps: number[] = [];
  constructor(readonly max: number, readonly windowMs: number) {}

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop]! <= now - this.windowMs) drop++;
    if (drop) this.stamps.splice(0, drop);
  }
  full(now: number): boolean {
    this.prune(now);
    return this.stamps.length >= this.max;
  }
  add(now: number): void {
    this.stamps.push(now);
  }
  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.max - this.stamps.length);
  }
  /** Whole seconds until the oldest call leaves the window ("the remaining window before the rate limit resets"). */
  resetSeconds(now: number): number {
    this.prune(now);
    if (this.stamps.length === 0) return Math.ceil(this.windowMs / 1000);
    return Math.max(1, Math.ceil((this.stamps[0]! + this.windowMs - now) / 1000));
  }
}

export class RateLimitPolicy {
  readonly burstApiToken: number;
  readonly burstOAuth: number;
  readonly windowMs: number;
  dailyTokenBudget: number;
  readonly dailyWriteRequests: number;
  private readonly windows = new Map<string, RollingWindow>();
  private day = -1;
  tokensUsed = 0;
  private writesByToken = new Map<string, number>();

  constructor(opts: RateLimitOptions = {}) {
    this.burstApiToken = opts.burstApiToken ?? 40;
    this.burstOAuth = opts.burstOAuth ?? 160;
    this.windowMs = opts.windowMs ?? 2000;
    this.dailyTokenBudget = opts.dailyTokenBudget ?? 30_000 * 2 * 3;
    this.dailyWriteRequests = opts.dailyWriteRequests ?? 10_000;
  }

  private roll(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.tokensUsed = 0;
      this.writesByToken = new Map();
    }
  }

  tokensLeft(now: number): number {
    this.roll(now);
    return Math.max(0, this.dailyTokenBudget - this.tokensUsed);
  }

  /** Checks and, when allowed, charges one call of `cost` tokens made with `token`. */
  admit(now: number, token: string, kind: 'api_token' | 'oauth', cost: number, method: string): Verdict {
    this.roll(now);
    const key = `${kind}:${token}`;
    let window = this.windows.get(key);
    if (!window) {
      window = new RollingWindow(kind === 'oauth' ? this.burstOAuth : this.burstApiToken, this.windowMs);
      this.windows.set(key, window);
    }
    const isWrite = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const headers = (): Record<string, string> => {
      const h: Record<string, string> = {
        'x-ratelimit-limit': String(window.max),
        'x-ratelimit-remaining': String(window.remaining(now)),
        'x-ratelimit-reset': String(window.resetSeconds(now)),
      };
      if (kind === 'api_token') h['x-daily-requests-left'] = String(Math.max(0, this.dailyWriteRequests - (this.writesByToken.get(token) ?? 0)));
      return h;
    };
    if (window.full(now)) {
      return { ok: false, reason: 'burst', headers: { ...headers(), 'retry-after': String(window.resetSeconds(now)) } };
    }
    if (this.tokensUsed + cost > this.dailyTokenBudget) {
      const untilMidnight = Math.ceil(((this.day + 1) * DAY_MS - now) / 1000);
      return { ok: false, reason: 'daily', headers: { ...headers(), 'retry-after': String(untilMidnight) } };
    }
    window.add(now);
    this.tokensUsed += cost;
    if (isWrite) this.writesByToken.set(token, (this.writesByToken.get(token) ?? 0) + 1);
    return { ok: true, headers: headers() };
  }
}
