/**
 * The connector kit: the one module a connector (connectors/<system>/) imports from qualify.
 * The contract (capabilities and the plug-in definition), the typed errors through which a
 * connector reports what happened (the worker decides what becomes of the connection), the
 * status-table rule type, the shared Redis rate limiter, metric hooks, the logger type, the retry
 * policy, and the mapping helpers a connector needs to read what its mapping asks for.
 */
export type * from './connector.types.js';
export type * from './connector-definition.js';
export { defineConnector } from './connector-definition.js';
export { baseUrl, HTTP, int, parseEnvVars, text, url, type EnvProblem, type EnvVarSpec, type EnvVarSpecs, type ParsedVars } from './env-vars.js';
export { applyStatusTable, type StatusRule } from './status-table.js';
export { AuthError, ConnectorError, PayloadError, RateLimitedError, TransientError } from '../errors/connector-errors.js';
export { RedisRateLimiter, type WindowLimit } from '../rate-limit/redis-rate-limiter.js';
export type { ApiCallMetrics } from '../metrics/metric-hooks.js';
export type { Logger } from 'pino';
export { withRetry, type RetryPolicy } from './retry-policy.js';
export { loadMapping } from '../mapping/load-mapping.js';
export type { Mapping, OutboundSpec } from '../mapping/mapping.schema.js';
export { readPaths } from '../mapping/read-properties.js';
export { historyProperties, mapRecord, readProperties } from '../mapping/apply-mapping.js';
export { resolveFromRoot } from '../infra/paths.js';
export { parseOAuthCredentials, type OAuthCredentials } from '../oauth/oauth-credentials.js';
export type { RefreshedTokens, RefreshFn, TokenKeeper } from '../oauth/token-keeper.js';
export type { ConnectionRow, Store } from '../store/store.types.js';
export type { Lead, SourceSystem, EventType } from '../canonical/lead.schema.js';
