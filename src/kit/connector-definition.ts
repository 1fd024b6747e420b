import type { Redis } from 'ioredis';
import type { ZodType } from 'zod';
import type { Logger } from 'pino';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ApiCallMetrics } from '../metrics/metric-hooks.js';
import type { OAuthCredentials } from '../oauth/oauth-credentials.js';
import type { RefreshFn, TokenKeeper } from '../oauth/token-keeper.js';
import type { RedisRateLimiter } from '../rate-limit/redis-rate-limiter.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import type { Connector } from './connector.types.js';
import type { EnvVarSpecs, ParsedVars } from './env-vars.js';

/**
 * A system as a plug-in: what connectors/<system>/index.ts exports, and the one thing the registry
 * (src/app/connector-registry.ts) lists. Everything that lists systems reads it: configuration
 * (`env`, validated once), `.env.example`, the OAuth install routes, `qualify sync <system>`, the
 * admin API's and dashboard's connection types, metric labels and demo mode's sandboxes.
 */
export interface ConnectorDefinition<Env extends EnvVarSpecs = EnvVarSpecs, Settings = unknown> {
  system: SourceSystem;
  /** As people write it: "HubSpot", "Pipedrive". */
  label: string;
  /** What the account behind one connection is called: portal, org, company. */
  accountNoun: string;
  /** The default mapping file, relative to the repository root. */
  mappingFile: string;
  /** The system's environment variables, every name starting with `<SYSTEM>_`, one of them `<SYSTEM>_BASE_URL`. */
  env: Env;
  /** The connector's settings from its variables (already validated and defaulted). */
  settings(vars: ParsedVars<Env>): Settings;
  /** Whether the environment configures a connection of this system (demo mode stays off then). */
  configured(settings: Settings): boolean;
  /** Checks that need two variables at once: [variable, problem] pairs. */
  check?(vars: ParsedVars<Env>): Array<[variable: string, problem: string]>;
  /** The connection the environment configures in the default workspace (an API token, a refresh token), if any. */
  fromEnv?(settings: Settings, deps: ConnectorDeps): EnvConnection | null;
  /** A connection an OAuth install stored: built from its row and decrypted credentials; null when it cannot be driven (with a logged why). */
  fromInstall?(row: ConnectionRow, credentials: OAuthCredentials, settings: Settings, deps: InstallDeps): Connector | null;
  oauth?: OAuthCapability<Settings>;
  /** Request headers of its webhooks that carry a secret or signature: never logged. */
  secretHeaders?: string[];
  /** What one raw record looks like (the vendor's schema), for `qualify score --source <system>`. */
  record?: { schema: ZodType; what: string };
  /** The built-in sandbox demo mode, tests and benchmarks run against. */
  sandbox?: SandboxCapability;
}

/** What every connection shares in a process: Redis, the shared limiter, its logger and metric hooks. */
export interface ConnectorDeps {
  connectionId: string;
  redis: Redis;
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX). */
  prefix: string;
  limiter: RedisRateLimiter;
  logger: Logger;
  metrics: ApiCallMetrics;
  /** QUALIFY_PUBLIC_URL: webhook subscriptions point here. */
  publicUrl: string;
}

/** For installed connections: the workspace's store and a token keeper that refreshes once across processes. */
export interface InstallDeps extends ConnectorDeps {
  store: Store;
  tokenKeeper(refresh: RefreshFn): TokenKeeper;
}

export interface EnvConnection {
  connector: Connector;
  pollIntervalMs: number;
}

/** What an install's callback learned and keeps. */
export interface InstallResult {
  /** The account behind the token (portal, org, company id): one account feeds one connection. */
  accountId: string;
  credentials: OAuthCredentials;
  /** Kept in the connection row (not secret): auth kind, domain, who installed. */
  config: Record<string, unknown>;
  /** Lines for the person who installed it. */
  lines: string[];
  /** Extra fields of the JSON answer. */
  extra?: Record<string, unknown>;
}

export interface OAuthCapability<Settings> {
  /** Null when installs can run; else what to configure (the install route answers 501 with it). */
  unconfigured(settings: Settings): string | null;
  /** Whether the authorise step carries a PKCE challenge (the verifier stays server-side). */
  pkce: boolean;
  authorizeUrl(settings: Settings, a: { redirectUri: string; state: string; codeChallenge: string }): string;
  /** Code → tokens → the account behind them. Throws AuthError when the vendor refuses the code. */
  install(settings: Settings, a: { code: string; redirectUri: string; codeVerifier: string; publicUrl: string; now: () => number }): Promise<InstallResult>;
}

/** A running sandbox: the environment that points this system's connector at it. */
export interface RunningSandbox {
  /** `<SYSTEM>_*` variables (base URL, tokens, webhook secrets) for the connector. */
  env: Record<string, string>;
  /** How many people it holds, for the demo's first line. */
  people: number;
  /** One step of simulated activity (a visitor converts, a deal moves): returns a line to print, or null. */
  tick?(n: number): string | null;
  close(): Promise<void>;
}

export interface SandboxCapability {
  start(opts: { publicUrl: string; logger: Logger; people?: number; seed?: number }): Promise<RunningSandbox>;
}

/** Identity helper so a connector's definition is checked against its own env declaration. */
export function defineConnector<Env extends EnvVarSpecs, Settings>(d: ConnectorDefinition<Env, Settings>): ConnectorDefinition<Env, Settings> {
  return d;
}
