import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Per-client-IP rate limits on the routes anyone on the internet can reach: the CRMs' webhooks
 * (`/webhooks/*`) and the OAuth install flow (`/oauth/*`). Other paths pass straight through.
 *
 * A fixed window per (route family, client IP) counted in Redis, so every server process behind a
 * load balancer counts together: one pipelined INCR + PEXPIRE per request (a single round trip;
 * the key carries the window number, so it never needs reading back). Over the limit: 429 with
 * Retry-After (seconds to the window's end). A fixed window can let up to twice the limit through
 * around a window boundary; for flood protection that is fine, and it keeps the hot path at one
 * round trip.
 *
 * The webhook default (20,000 per 10 s per IP) is far above what a CRM sends: HubSpot keeps at
 * most 10 requests in flight per app, each with up to 100 events; a Salesforce Outbound Message
 * carries up to 100 notifications. It stops one address from flooding the service, not the
 * vendors. If Redis does not answer (an error, or nothing within 250 ms), requests pass (the limit protects the service; it must not
 * take the webhooks down with it) and the failure is logged once a minute.
 */

export type RouteFamily = 'webhooks' | 'oauth';

export interface PublicRateLimitOptions {
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX). */
  prefix: string;
  windowMs: number;
  /** Requests per window per client IP; 0 = no limit. */
  webhooks: number;
  oauth: number;
  /** Reverse proxies in front: the client IP is that many hops from the right of X-Forwarded-For. */
  trustedProxies: number;
  /** Without an answer from Redis within this long, the request passes (default 250 ms). */
  redisTimeoutMs: number;
  /**
   * Count clients on a loopback address too (default false). A loopback client is a proxy on the
   * same host whose hops are not declared (QUALIFY_TRUSTED_PROXIES=0), a local tool or a bench:
   * limiting it would put every CRM behind that proxy into one bucket and throttle the vendors.
   */
  limitLoopback: boolean;
  logger?: Logger;
  now?: () => number;
  /** Told of every refusal (metrics: a webhook refused for the rate limit). */
  onLimited?: (family: RouteFamily, path: string) => void;
}

export const DEFAULT_PUBLIC_RATE_LIMITS: Omit<PublicRateLimitOptions, 'prefix' | 'logger' | 'now' | 'onLimited'> = {
  windowMs: 10_000,
  webhooks: 20_000,
  oauth: 30,
  trustedProxies: 0,
  redisTimeoutMs: 250,
  limitLoopback: false,
};

const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/;

export function routeFamily(path: string): RouteFamily | null {
  if (path.startsWith('/webhooks/')) return 'webhooks';
  if (path.startsWith('/oauth/')) return 'oauth';
  return null;
}

/**
 * The client's address. Without trusted proxies, the socket's peer (X-Forwarded-For is whatever
 * the client wrote, so it is ignored). With n trusted proxies, the n-th entry from the right of
 * X-Forwarded-For: the last n were added by our proxies, the one before them by the first proxy,
 * which saw the client; entries further left are the client's own claims.
 */
export function clientIp(req: Request, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return hops[hops.length - trustedProxies] ?? hops[0] ?? peer;
}

export function publicRateLimit(redis: Redis, opts: Partial<PublicRateLimitOptions> & { prefix?: string } = {}): RequestHandler {
  const o = { ...DEFAULT_PUBLIC_RATE_LIMITS, prefix: process.env.QUALIFY_QUEUE_PREFIX ?? 'qualify', ...opts };
  const now = o.now ?? Date.now;
  const limits: Record<RouteFamily, number> = { webhooks: o.webhooks, oauth: o.oauth };
  let lastWarning = 0;

  return (req: Request, res: Response, next: NextFunction) => {
    const family = routeFamily(req.path);
    const limit = family ? limits[family] : 0;
    if (!family || limit <= 0) return next();
    const ip = clientIp(req, o.trustedProxies);
    if (!o.limitLoopback && LOOPBACK.test(ip)) return next();
    const t = now();
    const window = Math.floor(t / o.windowMs);
    const key = `${o.prefix}:ratelimit:${family}:${ip}:${window}`;
    // The queue connections wait for Redis forever (BullMQ needs that); a request must not.
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`no answer within ${o.redisTimeoutMs} ms`)), o.redisTimeoutMs);
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (t - lastWarning > 60_000) {
        lastWarning = t;
        o.logger?.warn({ err: String(err) }, 'rate limit: Redis did not answer; letting requests through');
      }
      next();
    };
    redis
      .multi()
      .incr(key)
      .pexpire(key, o.windowMs * 2)
      .exec()
      .then(
        (results) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const count = Number(results?.[0]?.[1] ?? 0);
          if (count <= limit) return next();
          const retryAfterS = Math.max(1, Math.ceil(((window + 1) * o.windowMs - t) / 1000));
          o.onLimited?.(family, req.path);
          res.setHeader('Retry-After', String(retryAfterS));
          res.status(429).json({ error: `too many requests to /${family} from this address (limit ${limit} per ${o.windowMs / 1000} s); retry in ${retryAfterS} s` });
        },
        fail,
      );
  };
}
