import { hubspot } from '../../connectors/hubspot/index.js';
import { pipedrive } from '../../connectors/pipedrive/index.js';
import { salesforce } from '../../connectors/salesforce/index.js';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectorDefinition } from '../kit/connector-definition.js';
import type { EnvVarSpecs } from '../kit/env-vars.js';

/**
 * The systems qualify connects, one line each. Everything that lists systems reads this: the
 * config (each connector's variables), `.env.example`, the OAuth routes, `qualify sync <system>`,
 * the admin API and dashboard, metric labels and demo mode. A new system is its folder under
 * connectors/ and its name here (docs/adding-a-connector.md).
 */
// `any` settings: each definition is type-checked against its own settings where it is written
// (defineConnector); here they are only handed back to the same definition's functions.
export const CONNECTORS: ReadonlyArray<ConnectorDefinition<EnvVarSpecs, any>> = [hubspot, salesforce, pipedrive];

export const CONNECTOR_SYSTEMS: SourceSystem[] = CONNECTORS.map((c) => c.system);
