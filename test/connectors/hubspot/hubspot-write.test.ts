import { describe, expect, test } from '@jest/globals';
import nock from 'nock';
import type { WriteRequest } from '../../../src/kit/connector.types.js';
import { RateLimitedError } from '../../../src/errors/connector-errors.js';
import { LIFECYCLE_ORDER } from '../../../connectors/hubspot/hubspot-write.js';
import { context, fixture, HUBSPOT, nockAccount, silentLogger, useHubSpotKit } from './hubspot-test-kit.js';

/**
 * A nock-backed POST /crm/v3/objects/contacts/batch/update over an in-memory portal that keeps
 * HubSpot's documented behaviour: at most 100 inputs, one invalid enumeration value fails the
 * whole batch with a 400 VALIDATION_ERROR, unknown ids come back as a 207 with
 * OBJECT_NOT_FOUND naming them, "" clears a value, and lifecyclestage silently refuses to
 * move backwards.
 */
function fakePortal(initial: Record<string, Record<string, string>>) {
  const contacts = new Map(Object.entries(initial).map(([id, p]) => [id, { ...p }]));
  const calls: Array<Array<{ id: string; properties: Record<string, string>; objectWriteTraceId?: string }>> = [];
  nock(HUBSPOT)
    .persist()
    .post('/crm/v3/objects/contacts/batch/update')
    .reply((_uri, body) => {
      const { inputs } = body as { inputs: (typeof calls)[number] };
      calls.push(inputs);
      if (inputs.length > 100) return [400, { status: 'error', message: 'inputs: size must be between 0 and 100', category: 'VALIDATION_ERROR', correlationId: 'x' }];
      for (const input of inputs) {
        const unknown = Object.keys(input.properties).find((k) => k.startsWith('qualify_') && !['qualify_score', 'qualify_grade'].includes(k));
        if (unknown) {
          const msg = `Property "${unknown}" does not exist`;
          const detail = [{ isValid: false, message: msg, error: 'PROPERTY_DOESNT_EXIST', name: unknown, localizedErrorMessage: msg, portalId: 62515 }];
          return [400, { status: 'error', message: `Property values were not valid: ${JSON.stringify(detail)}`, correlationId: 'x', category: 'VALIDATION_ERROR' }];
        }
        const grade = input.properties.qualify_grade;
        if (grade !== undefined && !['A', 'B', 'C', 'D', ''].includes(grade)) return [400, fixture('error-400-invalid-option.json')];
      }
      const missing = inputs.filter((i) => !contacts.has(i.id)).map((i) => i.id);
      const results = inputs.filter((i) => contacts.has(i.id)).map((i) => {
        const stored = contacts.get(i.id)!;
        for (const [k, v] of Object.entries(i.properties)) {
          const backwards = k === 'lifecyclestage' && v !== '' && stored[k] && LIFECYCLE_ORDER.indexOf(v as never) < LIFECYCLE_ORDER.indexOf(stored[k] as never);
          if (!backwards) stored[k] = v; // HubSpot ignores a backward stage without saying so
        }
        return { id: i.id, properties: { ...stored }, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-11-27T10:00:00Z', archived: false };
      });
      const base = { status: 'COMPLETE', results, startedAt: '2026-11-27T10:00:00Z', completedAt: '2026-11-27T10:00:01Z' };
      if (missing.length === 0) return [200, base];
      return [207, { ...base, numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: missing } }] }];
    });
  return { contacts, calls };
}

const req = (id: number | string, properties: Record<string, string>, current?: Record<string, string | null>): WriteRequest => ({
  objectType: 'contact',
  recordId: String(id),
  properties,
  ...(current && { current }),
});

describe('HubSpot write-back (batch update)', () => {
  const kit = useHubSpotKit();

  test('when 250 contacts are written, then three calls of at most 100 inputs carry exactly the documented body', async () => {
    nockAccount();
    const portal = fakePortal(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [String(i + 1), {}])));
    const connector = kit.connector();
    expect(connector.writes.maxBatch).toBe(100);
    const outcomes = await connector.writes.write(context(), Array.from({ length: 250 }, (_, i) => req(i + 1, { qualify_score: String((i + 1) % 100), qualify_grade: 'B' })));
    expect(portal.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(portal.calls[0]![0]).toEqual({ id: '1', properties: { qualify_score: '1', qualify_grade: 'B' }, objectWriteTraceId: '1' });
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes[9]).toEqual({ recordId: '10', ok: true, written: { qualify_score: '10', qualify_grade: 'B' } });
  });

  test('when HubSpot answers 207 for unknown contacts, then those fail permanently with its message and the rest succeed', async () => {
    nockAccount();
    fakePortal({ '1': {}, '3': {} });
    const outcomes = await kit.connector().writes.write(context(), [req(1, { qualify_score: '50' }), req(2, { qualify_score: '60' }), req(3, { qualify_score: '70' })]);
    expect(outcomes).toEqual([
      { recordId: '1', ok: true, written: { qualify_score: '50' } },
      { recordId: '2', ok: false, permanent: true, status: 404, message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.' },
      { recordId: '3', ok: true, written: { qualify_score: '70' } },
    ]);
  });

  test('when one invalid value fails the whole batch with 400, then bisection writes the good records and the bad one carries HubSpot\'s message', async () => {
    nockAccount();
    const portal = fakePortal(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [String(i + 1), {}])));
    const batch = Array.from({ length: 8 }, (_, i) => req(i + 1, { qualify_grade: i === 5 ? 'E' : 'A' }));
    const outcomes = await kit.connector().writes.write(context(), batch);
    const bad = outcomes.find((o) => !o.ok);
    expect(bad).toEqual({ recordId: '6', ok: false, permanent: true, status: 400, message: expect.stringContaining('E was not one of the allowed options') });
    expect(outcomes.filter((o) => o.ok)).toHaveLength(7);
    expect([...portal.contacts.entries()].filter(([, p]) => p.qualify_grade === 'A').map(([id]) => id)).toEqual(['1', '2', '3', '4', '5', '7', '8']);
    // 8 → 4+4 → (2+2) → (1+1): 1 + 2 + 2 + 2 calls, not one per record.
    expect(portal.calls).toHaveLength(7);
  });

  test('when a property does not exist in the portal, then every record carrying it fails at once with HubSpot\'s message, without halving', async () => {
    nockAccount();
    const portal = fakePortal(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [String(i + 1), {}])));
    const batch = Array.from({ length: 100 }, (_, i) => req(i + 1, i < 90 ? { qualify_score: '10', qualify_segment: 'smb' } : { qualify_score: '10' }));
    const outcomes = await kit.connector().writes.write(context(), batch);
    expect(outcomes.filter((o) => !o.ok)).toHaveLength(90);
    expect(outcomes[0]).toMatchObject({ ok: false, permanent: true, status: 400, message: expect.stringContaining('Property \\"qualify_segment\\" does not exist') });
    expect(outcomes.slice(90).every((o) => o.ok)).toBe(true);
    // One refused call, one call for the 10 others: not 2n-1 calls of bisection.
    expect(portal.calls.map((c) => c.length)).toEqual([100, 10]);
  });

  test('when the model moves a contact back from SQL to lead, then lifecyclestage is cleared in one call and set in the next', async () => {
    nockAccount();
    const portal = fakePortal({ '1': { lifecyclestage: 'salesqualifiedlead' }, '2': { lifecyclestage: 'lead' } });
    const outcomes = await kit.connector().writes.write(context(), [
      req(1, { lifecyclestage: 'lead', qualify_score: '20' }, { lifecyclestage: 'salesqualifiedlead' }),
      req(2, { lifecyclestage: 'marketingqualifiedlead' }, { lifecyclestage: 'lead' }),
    ]);
    expect(portal.calls).toEqual([
      [{ id: '1', properties: { lifecyclestage: '' }, objectWriteTraceId: '1' }],
      [
        { id: '1', properties: { lifecyclestage: 'lead', qualify_score: '20' }, objectWriteTraceId: '1' },
        { id: '2', properties: { lifecyclestage: 'marketingqualifiedlead' }, objectWriteTraceId: '2' },
      ],
    ]);
    expect(portal.contacts.get('1')!.lifecyclestage).toBe('lead');
    expect(portal.contacts.get('2')!.lifecyclestage).toBe('marketingqualifiedlead');
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  test('when a backward move is written without clearing first, then HubSpot would silently keep the later stage (why we clear)', async () => {
    nockAccount();
    const portal = fakePortal({ '1': { lifecyclestage: 'customer' } });
    // No `current` given: the connector cannot know it is a backward move.
    await kit.connector().writes.write(context(), [req(1, { lifecyclestage: 'lead' })]);
    expect(portal.contacts.get('1')!.lifecyclestage).toBe('customer');
  });

  test('when the current stage is custom (unknown order), then the stage is written directly without a clear', async () => {
    nockAccount();
    const portal = fakePortal({ '1': { lifecyclestage: '1234567' } });
    await kit.connector().writes.write(context(), [req(1, { lifecyclestage: 'lead' }, { lifecyclestage: '1234567' })]);
    expect(portal.calls).toHaveLength(1);
  });

  test('when a lifecycle clear is refused, then that contact is reported failed and not written half-way', async () => {
    nockAccount();
    const portal = fakePortal({ '2': { lifecyclestage: 'lead' } });
    const outcomes = await kit.connector().writes.write(context(), [
      req(1, { lifecyclestage: 'lead' }, { lifecyclestage: 'customer' }),
      req(2, { lifecyclestage: 'marketingqualifiedlead' }, { lifecyclestage: 'lead' }),
    ]);
    expect(outcomes[0]).toMatchObject({ recordId: '1', ok: false, permanent: true, message: expect.stringContaining('clearing lifecyclestage') });
    expect(outcomes[1]).toMatchObject({ recordId: '2', ok: true });
    expect(portal.calls[1]!.map((i) => i.id)).toEqual(['2']);
  });

  test('when a request has nothing to write, then no call is made', async () => {
    const portal = fakePortal({});
    const outcomes = await kit.connector().writes.write(context(), [req(1, {})]);
    expect(outcomes).toEqual([{ recordId: '1', ok: true, written: {} }]);
    expect(portal.calls).toHaveLength(0);
  });

  test('when HubSpot rate-limits a write, then the batch is not split and the RateLimitedError reaches the worker', async () => {
    nockAccount();
    const scope = nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/update').once().reply(429, fixture('error-429-ten-secondly.json'));
    await expect(kit.connector().writes.write(context(), [req(1, { qualify_score: '1' }), req(2, { qualify_score: '2' })])).rejects.toBeInstanceOf(RateLimitedError);
    expect(scope.isDone()).toBe(true);
  });

  test('when 20 writes race at a 10-per-second limit, then the limiter (with its safety margin) spreads them so HubSpot never sees more than 10 arrive in a second', async () => {
    nockAccount();
    const times: number[] = [];
    nock(HUBSPOT)
      .persist()
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(() => {
        times.push(Date.now());
        return [200, { status: 'COMPLETE', results: [{ id: '1', properties: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }], startedAt: '2026-11-27T10:00:00Z', completedAt: '2026-11-27T10:00:01Z' }];
      });
    const connector = kit.connector({ limits: { burst: { max: 10, windowMs: 1000 }, marginMs: 100 }, logger: silentLogger });
    // The account-details call takes one slot too.
    await Promise.all(Array.from({ length: 20 }, () => connector.writes.write(context(), [req(1, { qualify_score: '1' })])));
    expect(times).toHaveLength(20);
    for (let i = 10; i < times.length; i++) expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(1000);
  });
});
