import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { CONNECTOR_SYSTEMS } from '../app/connector-registry.js';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { IncomingWebhook, WebhookReceiver } from '../kit/connector.types.js';
import type { ConnectionRuntime, PipelineDeps } from '../pipeline/pipeline.types.js';
import { refusalReason, type WebhookCounts } from '../metrics/webhook-metrics.js';
import { IngestInbox } from '../queues/ingest-inbox.js';
import type { Queues } from '../queues/queues.js';

/** HubSpot sends at most 100 events a request; 1 MB is far above any legitimate delivery. */
const MAX_BODY_BYTES = 1024 * 1024;
// Metric labels and webhook paths: the registry's systems (a label per scanned path would grow without bound).
const SYSTEMS = new Set<string>(CONNECTOR_SYSTEMS);

/** What body-parser raises for an oversized body, so the app's error handler and the metrics treat ours alike. */
function tooLarge(): Error & { status: number; type: string } {
  return Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true, type: 'entity.too.large' });
}

/**
 * The body as the bytes that were signed. Read straight off the stream: body-parser's general
 * machinery (type matching, charset, inflation, its own listeners) cost as much per request as
 * the rest of the route. A compressed body (which HubSpot and Salesforce don't send) still goes
 * through express.raw, so it is inflated as before.
 */
const inflatingRaw = express.raw({ type: () => true, limit: MAX_BODY_BYTES });

function readBody(req: Request, res: Response): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return new Promise((resolve, reject) =>
      inflatingRaw(req, res, (err?: unknown) => (err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)))),
    );
  }
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
    req.resume(); // drain, so the connection can carry the 413
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * POST /webhooks/:system — verify → check → queue durably → answer. Nothing else happens here:
 * the answer (2xx) is sent only after the delivery is in Redis, well within HubSpot's 5 s.
 *
 * A receiver with a fast path (`admit`: HubSpot) has its signature and body shape checked here and
 * the body queued as it came; the ingest worker parses it with zod, deduplicates and routes each
 * event to its portal's connection. Otherwise (Salesforce Outbound Messages) the delivery is
 * parsed here, by the connection of the org it names (any workspace), and its hints are queued.
 */
export function webhookRoutes(deps: PipelineDeps, queues: Queues, publicUrl: () => string, logger: Logger, metrics?: WebhookCounts): Router {
  const router = Router();
  const inbox = new IngestInbox(queues);

  const refuse = (res: Response, system: SourceSystem, conn: ConnectionRuntime, receiver: WebhookReceiver, status: number, reason: string) => {
    metrics?.webhookRefused(system, refusalReason({ status, reason }));
    logger.warn({ connection: conn.id, status, reason }, 'webhook refused');
    const refusal = receiver.refuse?.(status, reason);
    if (refusal) res.status(refusal.status).type(refusal.contentType).send(refusal.body);
    else res.status(status).json({ error: reason });
  };

  /** The connection of the account the delivery names (a Salesforce org in any workspace), else the system's. */
  const routed = async (system: SourceSystem, fallback: ConnectionRuntime, receiver: WebhookReceiver, rawBody: Buffer): Promise<ConnectionRuntime> => {
    const account = receiver.accountOf?.(rawBody);
    if (!account) return fallback;
    const conn = await deps.connections.forAccount(system, account);
    return conn?.connector.people?.webhook ? conn : fallback;
  };

  router.post('/webhooks/:system', async (req: Request, res: Response, next: NextFunction) => {
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, res);
    } catch (err) {
      next(err);
      return;
    }
    const name = req.params.system;
    const system = typeof name === 'string' && SYSTEMS.has(name) ? (name as SourceSystem) : undefined;
    // A path naming no system is a plain 404, not counted (a label per scanned path would grow without bound).
    const received = system ? await deps.connections.receiving(system) : undefined;
    if (system) metrics?.webhookReceived(system);
    if (!system || !received?.connector.people?.webhook) {
      if (system) metrics?.webhookRefused(system, 'unknown_connection');
      res.status(404).json({ error: `no ${String(name)} connection receives webhooks here` });
      return;
    }
    const incoming: IncomingWebhook = { method: req.method, url: publicUrl() + req.originalUrl, headers: req.headers, rawBody, query: req.query as Record<string, unknown> };

    const fast = received.connector.people.webhook;
    if (fast.admit && fast.unpack) {
      const admission = fast.admit(incoming);
      if (!admission.ok) return refuse(res, system, received, fast, admission.status, admission.reason);
      await inbox.enqueueBody(received.id, rawBody); // the bytes that were signed
      res.status(204).end();
      return;
    }

    const conn = await routed(system, received, fast, rawBody);
    const receiver = conn.connector.people!.webhook!;
    const verdict = receiver.receive(incoming, await conn.row());
    if (!verdict.ok) return refuse(res, system, conn, receiver, verdict.status, verdict.reason);
    await inbox.enqueue(conn.id, verdict.hints);
    const ack = receiver.acknowledge?.(verdict.hints);
    if (ack) res.status(ack.status).type(ack.contentType).send(ack.body);
    else res.status(204).end();
  });
  return router;
}
