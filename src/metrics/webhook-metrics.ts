import { Router, type ErrorRequestHandler } from 'express';
import { SourceSystemSchema } from '../canonical/lead.schema.js';
import type { WebhookReceiver, WebhookVerdict } from '../connectors/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from '../pipeline/pipeline.types.js';
import type { Metrics, RefusalReason } from './metrics.js';

const SYSTEMS = new Set<string>(SourceSystemSchema.options);

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

export interface WebhookMetering {
  /** Mounted before the webhook routes: counts the delivery, and a refusal when no connection takes it. */
  count: Router;
  /** The pipeline deps for the webhook routes: receivers whose refusals are counted by reason. */
  pipeline: PipelineDeps;
  /** Mounted after the webhook routes: a body over the limit (413 from the body parser) is a refusal too. */
  countTooLarge: ErrorRequestHandler;
}

/**
 * Webhook metrics without touching the route: the route stays verify → parse → queue → answer,
 * and the cost on its hot path is one counter increment (refusals are the rare path).
 */
export function meterWebhooks(metrics: Metrics, pipeline: PipelineDeps): WebhookMetering {
  const count = Router();
  count.post('/webhooks/:system', (req, _res, next) => {
    const system = systemLabel(req.params.system);
    metrics.webhookReceived(system);
    const conn = system === 'other' ? undefined : pipeline.connectionForSystem(system as ConnectionRuntime['system']);
    if (!conn?.connector.webhook) metrics.webhookRefused(system, 'unknown_connection');
    next();
  });

  // One metered view per connection, built once: the route reads only id, row() and connector.webhook.
  const views = new WeakMap<ConnectionRuntime, ConnectionRuntime>();
  const metered = (conn: ConnectionRuntime): ConnectionRuntime => {
    let view = views.get(conn);
    const inner = conn.connector.webhook;
    if (!view) {
      const webhook: WebhookReceiver | undefined = inner && {
        receive: (req, row): WebhookVerdict => {
          const verdict = inner.receive(req, row);
          if (!verdict.ok) metrics.webhookRefused(conn.system, refusalReason(verdict));
          return verdict;
        },
        ...(inner.acknowledge && { acknowledge: inner.acknowledge.bind(inner) }),
        ...(inner.refuse && { refuse: inner.refuse.bind(inner) }),
      };
      // The connector keeps its prototype (methods, class instances); only `webhook` is shadowed.
      view = { ...conn, connector: Object.create(conn.connector, { webhook: { value: webhook, enumerable: true } }) };
      views.set(conn, view);
    }
    return view;
  };

  return {
    count,
    pipeline: {
      ...pipeline,
      connectionForSystem: (system) => {
        const conn = pipeline.connectionForSystem(system);
        return conn && metered(conn);
      },
    },
    countTooLarge: (err, req, _res, next) => {
      const status = (err as { status?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
      if (status === 413 && req.path.startsWith('/webhooks/')) metrics.webhookRefused(systemLabel(req.path.split('/')[2]), 'too_large');
      next(err);
    },
  };
}
