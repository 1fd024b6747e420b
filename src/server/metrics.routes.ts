import express, { Router } from 'express';
import type { Metrics } from '../metrics/metrics.js';
import { bearerMatches } from './admin-queues.routes.js';

/**
 * GET /metrics in the Prometheus text format. The webhook port is public (the CRMs must reach
 * it), so when QUALIFY_ADMIN_TOKEN is set the scrape needs it as a Bearer token, like /api;
 * without one it is open, for local use and for deployments that keep the port internal.
 */
export function metricsRoutes(metrics: Metrics, adminToken: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (adminToken && !bearerMatches(req, adminToken)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="qualify"').json({ error: 'missing or wrong bearer token (QUALIFY_ADMIN_TOKEN)' });
      return;
    }
    res.type(metrics.contentType).send(await metrics.text());
  });
  return router;
}

/**
 * A server with /metrics alone, for a process that serves no other HTTP: `qualify worker` counts
 * the write-backs, API calls, rate limits and scores, and only its own registry holds them.
 */
export function createMetricsApp(metrics: Metrics, adminToken: string | undefined): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoutes(metrics, adminToken));
  return app;
}
