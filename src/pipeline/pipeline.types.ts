import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { Connector, ConnectorContext } from '../kit/connector.types.js';
import type { Mapping } from '../mapping/mapping.schema.js';
import type { PipelineMetrics } from '../metrics/metric-hooks.js';
import type { ScoringModel } from '../scoring/scoring-model.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import type { Connections } from './connections.js';
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
  /** How the pipeline finds connections (by id, system, account, webhook receiver). */
  connections: Connections;
  /** Ask for a write-back flush of a connection (coalesced; at most one runs per connection). */
  scheduleWriteFlush(connectionId: string): Promise<void>;
  scheduleReadFlush(connectionId: string): Promise<void>;
  now(): Date;
  /** Write-back, score and stage-transition counts (Prometheus); absent: nothing is counted. */
  metrics?: PipelineMetrics;
}
