import type { ConnectorContext, WriteOutcome, WriteRequest } from '../../src/kit/index.js';
import { PayloadError } from '../../src/kit/index.js';
import type { HubSpotClient } from './hubspot-client.js';
import { HubSpotBatchResponseSchema, type HubSpotBatchError } from './provider.schema.js';

/**
 * Write-back through POST /crm/v3/objects/contacts/batch/update
 * (https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/update-contacts),
 * at most 100 inputs per call, with one outcome per record:
 *
 * - 200: every record written.
 * - 207 multi-status: the records named by an error (`context.ids`) failed with HubSpot's
 *   message; the others were written.
 * - 400/404/409/422 for the whole batch (one bad value fails them all): the batch is split in
 *   halves until each bad record stands alone, so good records are still written and each bad
 *   one carries HubSpot's own message.
 * - 429, 401/403, 5xx after retries: thrown; the worker retries or parks the whole batch.
 *
 * `lifecyclestage` only moves forward through the API: an earlier stage is silently ignored
 * (https://developers.hubspot.com/docs/guides/api/crm/objects/contacts). When the model moves
 * a contact back, we first write "" (which clears it), then the new stage, and log it.
 */

export const MAX_BATCH_UPDATE = 100;

/** HubSpot's default contact lifecycle stages, in order. Custom stages have no known order. */
export const LIFECYCLE_ORDER = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;

export function isBackwardStage(current: string | null | undefined, next: string | null | undefined): boolean {
  if (!current || !next) return false;
  const from = LIFECYCLE_ORDER.indexOf(current as (typeof LIFECYCLE_ORDER)[number]);
  const to = LIFECYCLE_ORDER.indexOf(next as (typeof LIFECYCLE_ORDER)[number]);
  return from >= 0 && to >= 0 && to < from;
}

interface Input {
  id: string;
  properties: Record<string, string>;
}

type Failure = Extract<WriteOutcome, { ok: false }>;

export async function writeContacts(client: HubSpotClient, ctx: ConnectorContext, batch: WriteRequest[]): Promise<WriteOutcome[]> {
  const outcomes = new Map<string, WriteOutcome>();
  const pending: WriteRequest[] = [];
  for (const req of batch) {
    // Nothing to write is not a call: the record is trivially up to date.
    if (Object.keys(req.properties).length === 0) outcomes.set(req.recordId, { recordId: req.recordId, ok: true, written: {} });
    else pending.push(req);
  }

  // Step 1: clear lifecyclestage where the model moves a contact back.
  const backward = pending.filter((r) => isBackwardStage(r.current?.lifecyclestage, r.properties.lifecyclestage));
  if (backward.length > 0) {
    ctx.logger.info(
      { contacts: backward.map((r) => ({ id: r.recordId, from: r.current?.lifecyclestage, to: r.properties.lifecyclestage })) },
      'hubspot lifecycle stage moves back: clearing it before setting the earlier stage (HubSpot ignores backward writes)',
    );
    const cleared = await updateInChunks(client, ctx, backward.map((r) => ({ id: r.recordId, properties: { lifecyclestage: '' } })));
    for (const o of cleared) {
      if (!o.ok) outcomes.set(o.recordId, { ...o, message: `clearing lifecyclestage before moving it back failed: ${o.message}` });
    }
  }

  // Step 2: the values themselves (records whose clear failed are not written half-way).
  const main = pending.filter((r) => !outcomes.has(r.recordId)).map((r) => ({ id: r.recordId, properties: r.properties }));
  for (const o of await updateInChunks(client, ctx, main)) outcomes.set(o.recordId, o);

  return batch.map((r) => outcomes.get(r.recordId)!);
}

async function updateInChunks(client: HubSpotClient, ctx: ConnectorContext, inputs: Input[]): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (let i = 0; i < inputs.length; i += MAX_BATCH_UPDATE) {
    out.push(...(await updateBisecting(client, ctx, inputs.slice(i, i + MAX_BATCH_UPDATE))));
  }
  return out;
}

async function updateBisecting(client: HubSpotClient, ctx: ConnectorContext, inputs: Input[]): Promise<WriteOutcome[]> {
  if (inputs.length === 0) return [];
  let response: unknown;
  try {
    response = await client.call(
      'contact batch update',
      'write',
      (sdk) => sdk.crm.contacts.batchApi.update({ inputs: inputs.map((x) => ({ id: x.id, properties: x.properties, objectWriteTraceId: x.id })) }),
      ctx.signal,
    );
  } catch (err) {
    if (!(err instanceof PayloadError)) throw err;
    // A property that doesn't exist (or can't be written) fails every input carrying it: halving
    // would cost 2n-1 calls to learn that. Fail those at once; retry the others without them.
    const doomed = propertyWideFailures(err.message);
    const carrying = inputs.filter((x) => Object.keys(x.properties).some((p) => doomed.includes(p)));
    if (carrying.length > 0) {
      const others = inputs.filter((x) => !carrying.includes(x));
      return [
        ...carrying.map((x): WriteOutcome => ({ recordId: x.id, ok: false, permanent: true, status: err.status, message: err.message })),
        ...(await updateBisecting(client, ctx, others)),
      ];
    }
    if (inputs.length === 1) {
      return [{ recordId: inputs[0]!.id, ok: false, permanent: true, status: err.status, message: err.message }];
    }
    // One bad input fails the whole batch: halve until the bad ones stand alone.
    ctx.logger.debug({ size: inputs.length, err: err.message }, 'hubspot batch update refused; splitting to find the bad records');
    const mid = Math.ceil(inputs.length / 2);
    return [...(await updateBisecting(client, ctx, inputs.slice(0, mid))), ...(await updateBisecting(client, ctx, inputs.slice(mid)))];
  }
  return outcomesOf(client.parse(HubSpotBatchResponseSchema, response, 'contact batch update'), inputs);
}

/** Validation errors about the property itself, not the value: they hold for every record. */
const PROPERTY_WIDE_ERRORS = new Set(['PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);

/**
 * HubSpot's 400 for bad values reads `Property values were not valid: [{"isValid":false,
 * "error":"PROPERTY_DOESNT_EXIST","name":"qualify_score",...}]`. Returns the properties whose
 * error is property-wide; [] when the message has another shape.
 */
export function propertyWideFailures(message: string): string[] {
  const json = /Property values were not valid: (\[.*\])\s*$/s.exec(message)?.[1];
  if (!json) return [];
  try {
    const entries = JSON.parse(json) as Array<{ error?: unknown; name?: unknown }>;
    return entries.flatMap((e) => (typeof e.name === 'string' && typeof e.error === 'string' && PROPERTY_WIDE_ERRORS.has(e.error) ? [e.name] : []));
  } catch {
    return [];
  }
}

const CATEGORY_STATUS: Record<string, number> = { VALIDATION_ERROR: 400, OBJECT_NOT_FOUND: 404, CONFLICT: 409 };

function idsOf(e: HubSpotBatchError): string[] {
  return [...(e.context?.ids ?? []), ...(e.context?.objectWriteTraceId ?? [])];
}

function outcomesOf(response: { results: Array<{ id: string }>; errors?: HubSpotBatchError[] }, inputs: Input[]): WriteOutcome[] {
  const written = new Set(response.results.map((r) => r.id));
  const failed = new Map<string, Failure>();
  const unattributed: string[] = [];
  for (const e of response.errors ?? []) {
    const ids = idsOf(e);
    if (ids.length === 0) unattributed.push(e.message);
    for (const id of ids) {
      failed.set(id, { recordId: id, ok: false, permanent: true, status: CATEGORY_STATUS[e.category ?? ''] ?? null, message: e.message });
    }
  }
  return inputs.map((x): WriteOutcome => {
    const f = failed.get(x.id);
    if (f) return f;
    if (written.has(x.id)) return { recordId: x.id, ok: true, written: x.properties };
    // Neither confirmed nor refused: not permanent, so the pipeline tries again.
    return {
      recordId: x.id,
      ok: false,
      permanent: false,
      status: null,
      message: `HubSpot's batch update response did not mention this contact${unattributed.length ? ` (errors: ${unattributed.join('; ')})` : ''}`,
    };
  });
}
