import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChangeHint } from '../kit/connector.types.js';
import { deleteRecords } from './delete-records.js';
import { echoFilter } from './echo-filter.js';
import { processRecords } from './process-records.js';
import type { ConnectionRuntime, PipelineDeps } from './pipeline.types.js';

/** HubSpot retries a delivery for up to 24 h: a seen event is remembered that long. */
const SEEN_TTL_S = 24 * 3600;

export interface IngestOutcome {
  duplicates: number;
  echoes: number;
  reads: number;
  processed: number;
  /** Records removed because their source deleted them (deletion hints that found a record). */
  deleted: number;
}

/**
 * Handles one ingest job: hints parsed at the route and/or bodies queued as they came. Each event counts once (its dedupe key is remembered for 24 h);
 * deletions remove their records from the store at once; echoes of qualify's own writes are dropped; the rest mark their records for a coalesced batch
 * read (or, when the notification carried the record, are processed at once). The seen-markers
 * are set only after the work is durably queued, so a crash in between means a harmless re-read,
 * never a lost event.
 */
export async function ingestDelivery(
  deps: PipelineDeps,
  redis: Redis,
  prefix: string,
  conn: ConnectionRuntime,
  hints: ChangeHint[],
  delivery: { bodies?: string[]; bodiesKey?: string; bodyCount?: number } = {},
): Promise<IngestOutcome> {
  const bodies = [...(delivery.bodies ?? []), ...(await storedBodies(redis, delivery))];
  if (bodies.length === 0) return ingestHints(deps, redis, prefix, conn, hints);
  const { byConnection, refused } = await unpackBodies(deps, conn, bodies);
  const own = byConnection.get(conn);
  if (hints.length) byConnection.set(conn, own ? [...hints, ...own] : hints);
  const out: IngestOutcome = { duplicates: 0, echoes: 0, reads: 0, processed: 0, deleted: 0 };
  for (const [target, targetHints] of byConnection) {
    const o = await ingestHints(deps, redis, prefix, target, targetHints);
    out.duplicates += o.duplicates;
    out.echoes += o.echoes;
    out.reads += o.reads;
    out.processed += o.processed;
    out.deleted += o.deleted;
  }
  // The good bodies are in; a body the route admitted but zod refuses stays visible as a failed
  // job with the field named (retrying can't fix it; the others' events are not lost either way).
  if (refused.length) throw new UnrecoverableError(`webhook delivery refused in the ingest worker: ${refused.join('; ')}`);
  // Done: the bodies' list goes (a failed job keeps its list, so what it carried can be looked at).
  if (delivery.bodiesKey) await redis.del(delivery.bodiesKey);
  return out;
}

/** The bodies the route stored as bytes next to the job (IngestInbox). */
async function storedBodies(redis: Redis, delivery: { bodiesKey?: string; bodyCount?: number }): Promise<string[]> {
  if (!delivery.bodiesKey) return [];
  const stored = await redis.lrangeBuffer(delivery.bodiesKey, 0, -1);
  // The list is written before its job, so a short list means Redis lost data: retry, then fail visibly.
  if (stored.length !== delivery.bodyCount) throw new Error(`webhook bodies list ${delivery.bodiesKey} holds ${stored.length} of ${delivery.bodyCount} bodies`);
  return stored.map((b) => b.toString('utf8'));
}

/**
 * Bodies queued as they came (WebhookReceiver.admit), parsed here with zod and split by account:
 * each account's events go to the connection of that account in whichever workspace has it
 * (HubSpot portalId), else to the connection that received them, which drops another account's
 * events as it always did.
 */
async function unpackBodies(
  deps: PipelineDeps,
  conn: ConnectionRuntime,
  bodies: string[],
): Promise<{ byConnection: Map<ConnectionRuntime, ChangeHint[]>; refused: string[] }> {
  const byConnection = new Map<ConnectionRuntime, ChangeHint[]>();
  const refused: string[] = [];
  const receiver = conn.connector.people?.webhook;
  if (!receiver?.unpack) throw new UnrecoverableError(`connection ${conn.id} has queued webhook bodies but its receiver cannot read them`);
  const targets = new Map<string, ConnectionRuntime>();
  for (const [i, body] of bodies.entries()) {
    const unpacked = receiver.unpack(body);
    if (!unpacked.ok) {
      refused.push(`body ${i + 1} of ${bodies.length}: ${unpacked.reason}`);
      continue;
    }
    for (const part of unpacked.parts) {
      let target = targets.get(part.accountId);
      if (!target) {
        target = (await deps.connections.forAccount(conn.system, part.accountId)) ?? conn;
        targets.set(part.accountId, target);
      }
      const hints = part.hints(await target.row());
      if (hints.length === 0) continue;
      const list = byConnection.get(target);
      if (list) list.push(...hints);
      else byConnection.set(target, hints);
    }
  }
  return { byConnection, refused };
}

async function ingestHints(deps: PipelineDeps, redis: Redis, prefix: string, conn: ConnectionRuntime, hints: ChangeHint[]): Promise<IngestOutcome> {
  const out: IngestOutcome = { duplicates: 0, echoes: 0, reads: 0, processed: 0, deleted: 0 };
  const keys = hints.map((h) => `${prefix}:seen:${conn.id}:${h.dedupeKey}`);
  const seen = keys.length ? await redis.mget(...keys) : [];
  const fresh: ChangeHint[] = [];
  const freshKeys: string[] = [];
  const inBatch = new Set<string>();
  hints.forEach((h, i) => {
    if (seen[i] !== null || inBatch.has(keys[i]!)) {
      out.duplicates++;
      return;
    }
    inBatch.add(keys[i]!);
    fresh.push(h);
    freshKeys.push(keys[i]!);
  });

  // Deletions first: a change hint of the same delivery (a restore) is re-read after them and
  // brings the record back; a read already pending for a deleted record finds nothing.
  const deletions = fresh.filter((h) => h.kind === 'deletion');
  if (deletions.length) out.deleted = (await deleteRecords(deps, conn, deletions)).deleted;
  const carried = fresh.filter((h) => h.record && h.kind !== 'deletion');
  if (carried.length) {
    await processRecords(deps, conn, carried.map((h) => h.record!));
    out.processed = carried.length;
  }
  const hinted = fresh.filter((h) => !h.record && h.kind !== 'deletion');
  const isEcho = await echoFilter(deps, conn, hinted);
  const toRead = hinted.filter((h) => !isEcho(h));
  out.echoes = hinted.length - toRead.length;
  if (toRead.length) {
    await conn.reads.put(toRead.map((h) => ({ id: h.recordId, payload: { objectType: h.objectType } })));
    await deps.scheduleReadFlush(conn.id);
    out.reads = new Set(toRead.map((h) => h.recordId)).size;
  }
  if (freshKeys.length) {
    const multi = redis.multi();
    for (const k of freshKeys) multi.set(k, '1', 'EX', SEEN_TTL_S);
    await multi.exec();
  }
  return out;
}
