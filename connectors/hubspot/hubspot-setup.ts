import type { ConnectorContext, SetupReport } from '../../src/kit/index.js';
import { PayloadError } from '../../src/kit/index.js';
import type { HubSpotClient } from './hubspot-client.js';
import { HubSpotPropertyListSchema } from './provider.schema.js';

/**
 * First-connect work, safe to run on every start:
 * - records the portal id (and its time zone, for the daily reset) on the connection;
 * - creates the contact property group `qualify` (a 409 means it exists);
 * - creates the qualify_* contact properties that are missing (existing ones are left alone,
 *   even if a user edited their labels).
 *
 * https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide
 */

export const QUALIFY_GROUP = { name: 'qualify', label: 'Qualify', displayOrder: -1 };

type PropertyType = 'string' | 'number' | 'enumeration';
type FieldType = 'text' | 'textarea' | 'number' | 'select';

export interface QualifyPropertyDef {
  name: string;
  label: string;
  description: string;
  type: PropertyType;
  fieldType: FieldType;
  options?: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>;
}

export const QUALIFY_PROPERTIES: readonly QualifyPropertyDef[] = [
  { name: 'qualify_score', label: 'Qualify score', description: 'Overall lead score (0-100) computed by qualify.', type: 'number', fieldType: 'number' },
  { name: 'qualify_fit_score', label: 'Qualify fit score', description: 'How well the contact matches the ideal customer profile (0-100).', type: 'number', fieldType: 'number' },
  { name: 'qualify_engagement_score', label: 'Qualify engagement score', description: 'How engaged the contact has been recently (0-100).', type: 'number', fieldType: 'number' },
  {
    name: 'qualify_grade',
    label: 'Qualify grade',
    description: 'Grade A (best) to D from fit and engagement.',
    type: 'enumeration',
    fieldType: 'select',
    options: ['A', 'B', 'C', 'D'].map((g, i) => ({ label: g, value: g, displayOrder: i, hidden: false })),
  },
  { name: 'qualify_segment', label: 'Qualify segment', description: 'Segment the contact was classified into.', type: 'string', fieldType: 'text' },
  { name: 'qualify_reasons', label: 'Qualify reasons', description: 'Why the contact got this score and stage.', type: 'string', fieldType: 'textarea' },
  { name: 'qualify_model_version', label: 'Qualify model version', description: 'Version of the scoring model that produced the score.', type: 'string', fieldType: 'text' },
];

const isConflict = (err: unknown) => err instanceof PayloadError && err.status === 409;

/** Learns the portal (id and time zone: the daily limit resets at its midnight) and creates qualify's contact properties. */
export async function ensureHubSpotSetup(client: HubSpotClient, ctx: ConnectorContext): Promise<SetupReport & { created: string[] }> {
  const account = await client.getAccount(ctx.signal, { refresh: true });

  try {
    await client.call('create property group', 'standard', (sdk) => sdk.crm.properties.groupsApi.create('contacts', QUALIFY_GROUP), ctx.signal);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }

  const listed = await client.call('list contact properties', 'standard', (sdk) => sdk.crm.properties.coreApi.getAll('contacts', false), ctx.signal);
  const existing = new Set(client.parse(HubSpotPropertyListSchema, listed, 'list contact properties').results.map((p) => p.name));

  const created: string[] = [];
  for (const def of QUALIFY_PROPERTIES) {
    if (existing.has(def.name)) continue;
    try {
      await client.call(
        `create property ${def.name}`,
        'standard',
        (sdk) =>
          sdk.crm.properties.coreApi.create('contacts', {
            name: def.name,
            label: def.label,
            description: def.description,
            groupName: QUALIFY_GROUP.name,
            type: def.type as never,
            fieldType: def.fieldType as never,
            ...(def.options && { options: def.options }),
          }),
        ctx.signal,
      );
      created.push(def.name);
    } catch (err) {
      // Another worker created it between our list and our create.
      if (!isConflict(err)) throw err;
    }
  }
  ctx.logger.info({ portalId: account.portalId, created }, created.length ? 'hubspot: created qualify contact properties' : 'hubspot: qualify contact properties already exist');
  return { accountId: account.portalId, config: { portalId: account.portalId, timeZone: account.timeZone }, created };
}
