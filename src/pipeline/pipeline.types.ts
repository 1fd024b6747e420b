import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { Connector, ConnectorContext } from '../kit/connector.types.js';
import type { Mapping } from '../mapping/mapping.schema.js';
import type { PipelineMetrics } from '../metrics/metric-hooks.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import type { DeletionMarks } from './deletion-marks.js';
import type { PendingSet } from './pending-set.js';

/** A write waiting to go out: only the properties that differ from what the record holds. */
export interface PendingWrite {
  objectType: string;
  properties: Record<string, string>;
  current: Record<string, string | null>;
}

/** A record a push notification told us about, waiting for a batch read. */
export interface PendingRead {
  objectType: string;
}

/** One live connection: its row, its connector, its mapping, and its queues of pending work. */
export interface ConnectionRuntime {
  id: string;
  /** The workspace that owns the connection; `store` is that workspace's view. */
  workspaceId: string;
  store: Store;
  system: SourceSystem;
  connector: Connector;
  mapping: Mapping;
  reads: PendingSet<PendingRead>;
  writes: PendingSet<PendingWrite>;
  /** Records the source deleted lately, so a read older than the deletion does not bring them back (absent: not checked). */
  deletions?: DeletionMarks;
  row(): Promise<ConnectionRow>;
  context(): Promise<ConnectorContext>;
}

export interface PipelineDeps {
  /** The 'default' workspace's view (env-configured connections); per-connection work uses `conn.store`. */
  store: Store;
  logger: Logger;
  /** The workspace's active published model, else the file model (QUALIFY_MODEL_FILE). Cached; a publish shows within seconds. */
  model(workspaceId?: string): ScoringModel;
  /** A connection this process knows (env-configured, or added/loaded at run time). */
  connection(id: string): ConnectionRuntime | undefined;
  /** Like `connection`, but a connection created at run time in another process (OAuth install) is loaded from the store. */
  resolveConnection?(id: string): Promise<ConnectionRuntime | undefined>;
  /** The first connection of a system in the 'default' workspace (env-configured). */
  connectionForSystem(system: SourceSystem): ConnectionRuntime | undefined;
  /**
   * The connection whose receiver checks a delivery to /webhooks/<system>: the default workspace's,
   * else any this process drives. An OAuth app signs the deliveries for every portal that installed
   * it with its one secret, and each event is then routed by its account (connectionForAccount), so
   * a deployment with installed portals only still receives webhooks.
   */
  webhookConnection?(system: SourceSystem): ConnectionRuntime | undefined;
  /**
   * When this process drives no connection that receives a system's webhooks: one from the store
   * (any workspace), loaded now. A server that started before the first install, which another
   * process handled, would otherwise answer 404 until restarted.
   */
  discoverWebhookConnection?(system: SourceSystem): Promise<ConnectionRuntime | undefined>;
  /** The workspace's connection of a system (write-backs of that workspace's leads go there). */
  connectionForWorkspace?(workspaceId: string, system: SourceSystem): ConnectionRuntime | undefined;
  /** Drive a connection created at run time (OAuth callback's onInstalled): connector built from its stored credentials, setup, poll, first sync. */
  addConnection?(row: ConnectionRow): Promise<void>;
  /** The connection of a HubSpot portal id / Salesforce org id in any workspace, loaded from the store if this process has not seen it yet. */
  connectionForAccount?(system: SourceSystem, accountId: string): Promise<ConnectionRuntime | undefined>;
  /** Ask for a write-back flush of a connection (coalesced; at most one runs per connection). */
  scheduleWriteFlush(connectionId: string): Promise<void>;
  scheduleReadFlush(connectionId: string): Promise<void>;
  now(): Date;
  /** Write-back, score and stage-transition counts (Prometheus); absent: nothing is counted. */
  metrics?: PipelineMetrics;
}
