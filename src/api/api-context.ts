import type { Logger } from 'pino';
import type { PipelineDeps } from '../pipeline/pipeline.types.js';
import type { Queues } from '../queues/queues.js';
import type { Store } from '../store/store.types.js';

/** What the admin API needs from the rest of the service (the app hands it over once). */
export interface ApiServices {
  /** The root store (`default` workspace view); global calls (workspaces, API keys) go through it. */
  store: Store;
  pipeline: PipelineDeps;
  /** POST /api/rescore queues its work here; the workers (this process's or others') run it. */
  queues: Pick<Queues, 'rescore'>;
  logger: Logger;
  /** QUALIFY_ADMIN_TOKEN; without it there is no operator and every call needs a workspace key. */
  adminToken?: string;
  /** The systems this server knows (the connector registry), and whether each can be installed through OAuth here. */
  systems?: SystemInfo[];
  /** Lets the running service act at once on what the API changed; absent, it notices on its own (models are re-read every few seconds). */
  hooks?: ApiHooks;
}

export interface SystemInfo {
  system: string;
  label: string;
  /** What one connection's account is called (portal, org, company). */
  accountNoun: string;
  /** It is connected through an OAuth install (others are configured by the operator). */
  oauth: boolean;
  /** Its OAuth app is set up: POST /oauth/<system>/install-link starts an install (else 501). */
  installable: boolean;
}

export interface ApiHooks {
  /** A model version was published or rolled back: re-read the active models now (runtime.refreshModels). */
  modelsChanged?(workspaceId: string): Promise<void>;
  /** A connection was deleted: stop driving it (runtime.removeConnection: its poll schedule goes). */
  connectionDeleted?(connectionId: string): Promise<void>;
}

/** Who is calling, decided once per request by the auth middleware (src/api/api-auth.middleware.ts). */
export interface ApiContext {
  workspaceId: string;
  /** That workspace's view of the store: every query is limited to it. Routes use nothing else for data. */
  store: Store;
  /** Called with the operator token (may use operator-only routes and pick any workspace). */
  operator: boolean;
  services: ApiServices;
}
