import express, { type ErrorRequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiHooks } from '../api/api-context.js';
import { apiRouter } from '../api/api-router.js';
import type { Metrics } from '../metrics/metrics.js';
import { countRateLimited, countTooLarge } from '../metrics/webhook-metrics.js';
import type { PipelineDeps } from '../pipeline/pipeline.types.js';
import type { Queues } from '../queues/queues.js';
import type { Store } from '../store/store.types.js';
import { dashboardRoutes } from '../dashboard/dashboard.routes.js';
import { adminQueuesRoutes } from './admin-queues.routes.js';
import { healthRoutes } from './health.routes.js';
import { metricsRoutes } from './metrics.routes.js';
import { oauthRoutes, type OAuthRoutesDeps } from './oauth.routes.js';
import { publicRateLimit, type PublicRateLimitOptions, type RouteFamily } from './rate-limit.middleware.js';
import { webhookRoutes } from './webhooks.routes.js';
import { CONNECTORS } from '../app/connector-registry.js';

export interface AppDeps {
  redis: Redis;
  store: Store;
  queues: Queues;
  pipeline: PipelineDeps;
  logger: Logger;
  /** Read per request, so a URL known only after listen (tests, benches) still signs right. */
  publicUrl: () => string;
  adminToken?: string;
  /** The runtime's reactions to admin API changes (refresh models, stop a deleted connection); see src/api/api-context.ts. */
  apiHooks?: ApiHooks;
  /** Prometheus metrics: served at /metrics and counted on the webhook routes. */
  metrics?: Metrics;
  /** Per-client-IP limits on /webhooks/* and /oauth/* (src/server/rate-limit.middleware.ts); absent: the defaults. */
  rateLimits?: Partial<PublicRateLimitOptions>;
  /** OAuth installs (src/server/oauth.routes.ts, oauthSettingsFromConfig); absent: no /oauth routes. */
  oauth?: OAuthRoutesDeps;
}

export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Webhooks the per-IP limit refuses never reach a receiver: the limiter tells the metrics itself.
  const countLimited = d.metrics && countRateLimited(d.metrics);
  const onLimited = d.rateLimits?.onLimited;
  app.use(
    publicRateLimit(d.redis, {
      logger: d.logger,
      ...d.rateLimits,
      ...((countLimited || onLimited) && {
        onLimited: (family: RouteFamily, path: string) => {
          countLimited?.(family, path);
          onLimited?.(family, path);
        },
      }),
    }),
  );
  app.use(webhookRoutes(d.pipeline, d.queues, d.publicUrl, d.logger, d.metrics));
  if (d.metrics) app.use(countTooLarge(d.metrics));
  // After the webhooks: the hot path (CRMs' deliveries) walks past no other router's routes.
  app.use(healthRoutes(d.redis, d.store));
  app.use(dashboardRoutes());
  // The admin API: workspace API keys or the operator token (src/api/api-auth.middleware.ts).
  app.use(
    apiRouter({
      store: d.store,
      pipeline: d.pipeline,
      queues: d.queues,
      logger: d.logger,
      adminToken: d.adminToken,
      hooks: d.apiHooks,
      // What the dashboard lists and offers to connect: the registry's systems, installable where the routes would not answer 501.
      systems: CONNECTORS.map((c) => ({
        system: c.system,
        label: c.label,
        accountNoun: c.accountNoun,
        oauth: Boolean(c.oauth),
        installable: Boolean(d.oauth && c.oauth && d.oauth.systems[c.system] !== undefined && c.oauth.unconfigured(d.oauth.systems[c.system]) === null),
      })),
    }),
  );
  if (d.oauth) app.use(oauthRoutes(d.oauth));
  if (d.metrics) app.use(metricsRoutes(d.metrics, d.adminToken));
  app.use(adminQueuesRoutes(d.queues, d.adminToken));
  // One place turns errors into answers: body too large → 413, anything else → 500 (logged).
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) d.logger.error({ err: err?.message }, 'request failed');
    res.status(status).json({ error: status === 413 ? 'payload too large (limit 1 MB)' : status >= 500 ? 'internal error' : String(err?.message ?? 'bad request') });
  };
  app.use(onError);
  return app;
}
