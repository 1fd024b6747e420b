import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectionRow } from '../store/store.types.js';
import type { ConnectionRuntime } from './pipeline.types.js';

/**
 * Every way the pipeline finds a connection, in one place (the runtime implements it): by id, by
 * system within a workspace, by the vendor account a delivery names, and the one that checks a
 * system's webhooks. Connections created at run time in another process (an OAuth install) are
 * loaded from the store on first use.
 */
export interface Connections {
  /** A connection this process drives now (no store lookup). */
  known(id: string): ConnectionRuntime | undefined;
  /** A connection by id, loaded from the store when this process has not built it yet. */
  byId(id: string): Promise<ConnectionRuntime | undefined>;
  /** The workspace's connection of a system (default: the 'default' workspace, where env-configured ones live). */
  forSystem(system: SourceSystem, workspaceId?: string): ConnectionRuntime | undefined;
  /** The connection of a vendor account (HubSpot portal, Salesforce org, Pipedrive company), in any workspace. */
  forAccount(system: SourceSystem, accountId: string): Promise<ConnectionRuntime | undefined>;
  /**
   * The connection whose receiver checks a delivery to /webhooks/<system>: the default workspace's,
   * else any this process drives, else one from the store (an install another process handled).
   * An OAuth app signs every installed account's deliveries with its one secret, and each event is
   * then routed by its account (forAccount).
   */
  receiving(system: SourceSystem): Promise<ConnectionRuntime | undefined>;
  /** Drive a connection created at run time (OAuth callback): built from its stored credentials, set up, polled, first sync queued. */
  add(row: ConnectionRow): Promise<void>;
}
