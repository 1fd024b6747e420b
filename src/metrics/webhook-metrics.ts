import type { ErrorRequestHandler } from 'express';
import { CONNECTOR_SYSTEMS } from '../app/connector-registry.js';
import type { Metrics, RefusalReason } from './metrics.js';

// Metric labels and webhook paths: the registry's systems (a label per scanned path would grow without bound).
const SYSTEMS = new Set<string>(CONNECTOR_SYSTEMS);

/** A path segment becomes a label only when it names a system we know; anything else is "other". */
function systemLabel(param: unknown): string {
  return typeof param === 'string' && SYSTEMS.has(param) ? param : 'other';
}

/**
 * Sorts a receiver's refusal into the fixed reason set. Receivers answer 401 for a missing or
 * wrong signature (a stale timestamp says so), 400 for a body they cannot read, and 403 for a
 * delivery from an account that is not this connection's.
 */
export function refusalReason(verdict: { status: number; reason: string }): RefusalReason {
  if (verdict.status === 413 || /larger than|too large/i.test(verdict.reason)) return 'too_large';
  if (verdict.status === 401) return /stale/i.test(verdict.reason) ? 'stale' : 'signature';
  if (verdict.status === 403) return 'unknown_connection';
  return 'malformed';
}

/**
 * The per-IP limiter's `onLimited` hook (src/server/rate-limit.middleware.ts): a webhook request
 * refused with 429 before any route saw it is received and refused as `rate_limited`, under the
 * system its path names ("other" for a path naming none, as for too_large). OAuth refusals are not
 * webhooks and are not counted here.
 */
export function countRateLimited(metrics: Metrics): (family: string, path: string) => void {
  return (family, path) => {
    if (family !== 'webhooks') return;
    const system = systemLabel(path.split('/')[2]);
    metrics.webhookReceived(system);
    metrics.webhookRefused(system, 'rate_limited');
  };
}

/** What the webhook route counts: a delivery received for a system, and why one was refused. */
export type WebhookCounts = Pick<Metrics, 'webhookReceived' | 'webhookRefused'>;

/** Mounted after the webhook routes: a body over the limit (413 from the body parser) is a refusal too. */
export function countTooLarge(metrics: WebhookCounts): ErrorRequestHandler {
  return (err, req, _res, next) => {
    const status = (err as { status?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
    if (status === 413 && req.path.startsWith('/webhooks/')) {
      const system = systemLabel(req.path.split('/')[2]);
      metrics.webhookReceived(system);
      metrics.webhookRefused(system, 'too_large');
    }
    next(err);
  };
}
