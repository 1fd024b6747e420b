import type { ErrorRequestHandler } from 'express';
import { CONNECTOR_SYSTEMS } from '../app/connector-registry.js';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { WebhookReceiver, WebhookVerdict } from '../kit/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from '../pipeline/pipeline.types.js';
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

export interface WebhookMetering {
  /** The pipeline deps for the webhook routes: connection lookups and receivers that count what they see. */
  pipeline: PipelineDeps;
  /** Mounted after the webhook routes: a body over the limit (413 from the body parser) is a refusal too. */
  countTooLarge: ErrorRequestHandler;
}

/**
 * Webhook metrics without touching the route and without a middleware of their own (an extra
 * Express layer costs more than the counting): the route looks its connection up once per
 * delivery and hands the body to that connection's receiver once, so the counts ride on those
 * two calls. A delivery is counted when the receiver sees it, or when no connection of that
 * system takes webhooks (unknown_connection). A path naming no system qualify knows is a 404
 * and not counted (a label per scanned path would grow without bound).
 */
export function meterWebhooks(metrics: Metrics, pipeline: PipelineDeps): WebhookMetering {
  // One metered view per connection, built once: the route reads only id, system, row() and connector.people.webhook.
  const views = new WeakMap<ConnectionRuntime, ConnectionRuntime>();
  const metered = (conn: ConnectionRuntime, inner: WebhookReceiver): ConnectionRuntime => {
    let view = views.get(conn);
    if (!view) {
      const webhook: WebhookReceiver = {
        receive: (req, row): WebhookVerdict => {
          metrics.webhookReceived(conn.system);
          const verdict = inner.receive(req, row);
          if (!verdict.ok) metrics.webhookRefused(conn.system, refusalReason(verdict));
          return verdict;
        },
        // The route's fast path (HubSpot) is counted the same way as `receive`.
        ...(inner.admit && {
          admit: (req) => {
            metrics.webhookReceived(conn.system);
            const admission = inner.admit!(req);
            if (!admission.ok) metrics.webhookRefused(conn.system, refusalReason(admission));
            return admission;
          },
        }),
        ...(inner.unpack && { unpack: inner.unpack.bind(inner) }),
        ...(inner.accountOf && { accountOf: inner.accountOf.bind(inner) }),
        ...(inner.acknowledge && { acknowledge: inner.acknowledge.bind(inner) }),
        ...(inner.refuse && { refuse: inner.refuse.bind(inner) }),
      };
      // The connector keeps its prototype (methods, class instances); only `people.webhook` is shadowed.
      const people = { ...conn.connector.people!, webhook };
      view = { ...conn, connector: Object.create(conn.connector, { people: { value: people, enumerable: true } }) };
      views.set(conn, view);
    }
    return view;
  };

  /** A receiving connection, metered; none that receives: counted as refused (once, by the route's last lookup). */
  const meter = (system: SourceSystem, conn: ConnectionRuntime | undefined, countMiss: boolean): ConnectionRuntime | undefined => {
    const receiver = conn?.connector.people?.webhook;
    if (conn && receiver) return metered(conn, receiver);
    if (countMiss) {
      metrics.webhookReceived(system);
      metrics.webhookRefused(system, 'unknown_connection');
    }
    return conn;
  };
  // With discovery, the route's in-process lookup may miss and the store still find one: only the last miss counts.
  const discovers = Boolean(pipeline.discoverWebhookConnection);
  const meteredLookup =
    (lookup: (system: SourceSystem) => ConnectionRuntime | undefined) =>
    (system: SourceSystem): ConnectionRuntime | undefined =>
      meter(system, lookup(system), !discovers);

  return {
    pipeline: {
      ...pipeline,
      connectionForSystem: meteredLookup((system) => pipeline.connectionForSystem(system)),
      ...(pipeline.webhookConnection && { webhookConnection: meteredLookup((system) => pipeline.webhookConnection!(system)) }),
      ...(pipeline.discoverWebhookConnection && {
        discoverWebhookConnection: async (system: SourceSystem) => meter(system, await pipeline.discoverWebhookConnection!(system), true),
      }),
      // A delivery routed to its account's connection (Salesforce org) is counted by that connection's receiver.
      ...(pipeline.connectionForAccount && {
        connectionForAccount: async (system, accountId) => {
          const conn = await pipeline.connectionForAccount!(system, accountId);
          const receiver = conn?.connector.people?.webhook;
          return conn && receiver ? metered(conn, receiver) : conn;
        },
      }),
    },
    countTooLarge: (err, req, _res, next) => {
      const status = (err as { status?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
      if (status === 413 && req.path.startsWith('/webhooks/')) {
        const system = systemLabel(req.path.split('/')[2]);
        metrics.webhookReceived(system);
        metrics.webhookRefused(system, 'too_large');
      }
      next(err);
    },
  };
}
