import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { SourceSystemSchema } from '../canonical/lead.schema.js';
import type { PipelineDeps } from '../pipeline/pipeline.types.js';
import { IngestInbox } from '../queues/ingest-inbox.js';
import type { Queues } from '../queues/queues.js';

/** HubSpot sends at most 100 events a request; 1 MB is far above any legitimate delivery. */
const MAX_BODY = '1mb';

/**
 * POST /webhooks/:system — verify → parse → queue durably → answer. Nothing else happens here:
 * the answer (2xx) is sent only after the events are in Redis, well within HubSpot's 5 s.
 */
export function webhookRoutes(deps: PipelineDeps, queues: Queues, publicUrl: () => string, logger: Logger): Router {
  const router = Router();
  const inbox = new IngestInbox(queues);
  router.post('/webhooks/:system', express.raw({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response) => {
    const system = SourceSystemSchema.safeParse(req.params.system);
    const conn = system.success ? deps.connectionForSystem(system.data) : undefined;
    const receiver = conn?.connector.webhook;
    if (!conn || !receiver) {
      res.status(404).json({ error: `no ${String(req.params.system)} connection receives webhooks here` });
      return;
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = receiver.receive(
      { method: req.method, url: publicUrl() + req.originalUrl, headers: req.headers, rawBody, query: req.query as Record<string, unknown> },
      await conn.row(),
    );
    if (!verdict.ok) {
      logger.warn({ connection: conn.id, status: verdict.status, reason: verdict.reason }, 'webhook refused');
      const refusal = receiver.refuse?.(verdict.status, verdict.reason);
      if (refusal) res.status(refusal.status).type(refusal.contentType).send(refusal.body);
      else res.status(verdict.status).json({ error: verdict.reason });
      return;
    }
    await inbox.enqueue(conn.id, verdict.hints);
    const ack = receiver.acknowledge?.(verdict.hints);
    if (ack) res.status(ack.status).type(ack.contentType).send(ack.body);
    else res.status(204).end();
  });
  return router;
}
