import { CONNECTORS } from '../app/connector-registry.js';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectorDefinition } from '../kit/connector-definition.js';
import { parseEnvVars, shownValue, type EnvVarSpecs } from '../kit/env-vars.js';
import { ENV_VARS, EnvSchema, type EnvVarName, type LogLevel, type ParsedEnv } from './env.schema.js';

/** qualify's configuration, read once from the environment at start-up. */
export interface Config {
  port: number;
  logLevel: LogLevel;
  redisUrl: string;
  queuePrefix: string;
  /** Null: the embedded PGlite store in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  publicUrl: string;
  modelFile: string;
  /** Port of a separately run worker's /metrics and /healthz. */
  workerMetricsPort: number;
  /** Bearer token for /api; null: open. */
  adminToken: string | null;
  /** QUALIFY_SECRET_KEY as given (see `src/security/secret-box.ts`); null: the generated key file in `dataDir`. */
  secretKey: string | null;
  /** QUALIFY_SECRET_KEY_PREVIOUS: keys being rotated out (they still open stored secrets). */
  secretKeyPrevious: string[];
  /** Per-client-IP limits on the public routes; 0 = no limit. */
  rateLimits: { windowMs: number; webhooks: number; oauth: number; trustedProxies: number };
  writebackCoalesceMs: number;
  /** Run against the built-in sandboxes (of `demoSystems`). */
  demo: boolean;
  demoSystems: SourceSystem[];
  /** Each registered system's settings, from its own variables (see its definition's `settings`). */
  systems: Partial<Record<SourceSystem, unknown>>;
  /** The values of every connector variable flagged secret (tokens, client secrets), so the logger can mask them. */
  connectorSecrets: string[];
}

export interface ConfigProblem {
  variable: string;
  /** The value as given; secrets are never repeated. */
  value: string;
  problem: string;
}

/** Every bad variable at once, so a deploy is fixed in one round. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((p) => `  ${p.variable}=${p.value}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Definitions = ReadonlyArray<ConnectorDefinition<EnvVarSpecs, unknown>>;

/** A system's settings from an environment (demo mode overlays its sandboxes' variables); null when its variables are invalid. */
export function systemSettings(def: ConnectorDefinition<EnvVarSpecs, unknown>, env: NodeJS.ProcessEnv): unknown {
  const parsed = parseEnvVars(def.env, env);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  return def.settings(parsed.vars);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, definitions: Definitions = CONNECTORS): Config {
  const input = Object.fromEntries(Object.keys(ENV_VARS).map((name) => [name, env[name]]));
  const result = EnvSchema.safeParse(input);
  const problems: ConfigProblem[] = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        return { variable: name, value: shownValue(ENV_VARS[name as EnvVarName], env[name]), problem: issue.message };
      });
  const systems: Partial<Record<SourceSystem, unknown>> = {};
  let anyConfigured = false;
  for (const def of definitions) {
    const parsed = parseEnvVars(def.env, env);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    for (const [variable, problem] of def.check?.(parsed.vars) ?? []) problems.push({ variable, value: shownValue(def.env[variable], env[variable]), problem });
    const settings = def.settings(parsed.vars);
    systems[def.system] = settings;
    // Credentials for a connection, or an OAuth app that installs real accounts at run time: no sandbox then.
    anyConfigured ||= def.configured(settings) || (def.oauth !== undefined && def.oauth.unconfigured(settings) === null);
  }
  // Unset: the first registered system with a sandbox (the registry's order is the product's).
  const demoSystems = (result.success && result.data.QUALIFY_DEMO_SYSTEMS) || definitions.filter((d) => d.sandbox).slice(0, 1).map((d) => d.system);
  if (result.success) {
    const unknown = demoSystems.filter((s) => !definitions.some((d) => d.system === s && d.sandbox));
    if (unknown.length) {
      problems.push({ variable: 'QUALIFY_DEMO_SYSTEMS', value: JSON.stringify(env.QUALIFY_DEMO_SYSTEMS), problem: `expected systems with a sandbox (${definitions.filter((d) => d.sandbox).map((d) => d.system).join(', ')}); unknown: ${unknown.join(', ')}` });
    }
  }
  if (!result.success || problems.length) throw new ConfigError(problems);
  // A connector's secrets are its variables flagged secret, as the environment gives them.
  const connectorSecrets = definitions.flatMap((d) => Object.entries(d.env).filter(([, spec]) => spec.secret).map(([name]) => env[name]?.trim() ?? ''));
  return { ...toConfig(result.data, systems, anyConfigured), demoSystems: demoSystems as SourceSystem[], connectorSecrets };
}

function toConfig(e: ParsedEnv, systems: Config['systems'], anyConfigured: boolean): Omit<Config, 'connectorSecrets' | 'demoSystems'> {
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUALIFY_QUEUE_PREFIX,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.QUALIFY_DATA_DIR,
    publicUrl: e.QUALIFY_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    modelFile: e.QUALIFY_MODEL_FILE,
    workerMetricsPort: e.QUALIFY_WORKER_METRICS_PORT,
    adminToken: e.QUALIFY_ADMIN_TOKEN,
    secretKey: e.QUALIFY_SECRET_KEY,
    secretKeyPrevious: e.QUALIFY_SECRET_KEY_PREVIOUS ?? [],
    rateLimits: {
      windowMs: e.QUALIFY_RATE_LIMIT_WINDOW_MS,
      webhooks: e.QUALIFY_RATE_LIMIT_WEBHOOKS,
      oauth: e.QUALIFY_RATE_LIMIT_OAUTH,
      trustedProxies: e.QUALIFY_TRUSTED_PROXIES,
    },
    writebackCoalesceMs: e.WRITEBACK_COALESCE_MS,
    demo: e.QUALIFY_DEMO === 'auto' ? !anyConfigured : e.QUALIFY_DEMO,
    systems,
  };
}

/** The secret values in a config (tokens, client secrets), so the logger can mask them wherever they appear. */
export function secretValues(config: Config): string[] {
  return [config.adminToken, config.secretKey, ...config.secretKeyPrevious, ...config.connectorSecrets].filter((v): v is string => typeof v === 'string' && v.length >= 6);
}
