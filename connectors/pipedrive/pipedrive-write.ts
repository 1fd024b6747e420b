import { PayloadError, type ConnectorContext, type WriteOutcome, type WriteRequest } from '../../src/kit/index.js';
import type { PipedriveClient } from './pipedrive-client.js';
import { findByName, writableValue, type FieldCatalog } from './pipedrive-fields.js';
import { z } from 'zod';


/**
 * Write-back: `PATCH /api/v2/persons/{id}` with qualify's custom fields (Pipedrive has no batch
 * update), one person per call (maxBatch 1; the flush keeps a few calls in flight and the shared
 * limiter paces them). Field names from the mapping become this company's hash keys; option
 * labels become option ids. A refused record (deleted person, an option that doesn't exist) is a
 * permanent outcome of that record only; rate limits, auth and transient failures are thrown for
 * the worker to decide.
 */

export const MAX_BATCH = 1;

/** A 2xx means written; only `success` is checked (the person in the answer is not used). */
const PatchAnswerSchema = z.looseObject({ success: z.literal(true) });

export async function writePersons(client: PipedriveClient, catalog: FieldCatalog, ctx: ConnectorContext, batch: WriteRequest[]): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  for (const req of batch) {
    let fields = await catalog.all({ signal: ctx.signal });
    // A field created since the catalog was read (setup in another process): look once more.
    if (Object.keys(req.properties).some((n) => !findByName(fields, n))) fields = await catalog.all({ refresh: true, signal: ctx.signal });
    const custom: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [name, text] of Object.entries(req.properties)) {
      const field = findByName(fields, name);
      if (!field) {
        problems.push(`Pipedrive has no person field "${name}" (mappings/pipedrive.yaml outbound); setup creates it, or create it in Settings → Data fields`);
        continue;
      }
      const v = writableValue(field, text);
      if (v.ok) custom[field.key] = v.value;
      else problems.push(v.problem);
    }
    if (problems.length) {
      outcomes.push({ recordId: req.recordId, ok: false, permanent: true, status: null, message: problems.join('; ') });
      continue;
    }
    try {
      await client.call(`update person ${req.recordId}`, 'PATCH', `api/v2/persons/${encodeURIComponent(req.recordId)}`, PatchAnswerSchema, { body: { custom_fields: custom }, signal: ctx.signal });
      outcomes.push({ recordId: req.recordId, ok: true, written: req.properties });
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      outcomes.push({ recordId: req.recordId, ok: false, permanent: true, status: err.status, message: err.message });
    }
  }
  return outcomes;
}
