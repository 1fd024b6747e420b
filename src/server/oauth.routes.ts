import { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CONNECTORS } from '../app/connector-registry.js';
import type { SourceSystem } from '../canonical/lead.schema.js';
import type { ConnectorDefinition, OAuthCapability } from '../kit/connector-definition.js';
import type { EnvVarSpecs } from '../kit/env-vars.js';
import type { Config } from '../config/load-config.js';
import { AuthError, ConnectorError } from '../errors/connector-errors.js';
import { InstallLinkError, InstallLinks } from '../oauth/install-link.js';
import { OAuthStateError, OAuthStates } from '../oauth/oauth-state.js';
import type { SecretBox } from '../security/secret-box.js';
import { StoreConflictError } from '../store/store-errors.js';
import type { ConnectionRow, Store } from '../store/store.types.js';
import { bearerMatches } from './admin-queues.routes.js';

/**
 * OAuth installs of a CRM account into a workspace:
 *
 *   GET  /oauth/:system/install?workspace=…   Authorization: Bearer <operator token | workspace API key>
 *   GET  /oauth/:system/install?link=…        a signed one-time link (browsers; see install-link.ts)
 *   POST /oauth/:system/install-link          Authorization as above → { url, expiresAt }
 *   GET  /oauth/:system/callback?code=…&state=…   (the vendor sends the browser here)
 *
 * install → 302 to the vendor's authorise page with a signed, single-use, workspace-bound state
 * (and, for Salesforce, a PKCE challenge whose verifier stays in Redis). callback → state checked
 * and used up, code exchanged through the vendor SDK, the account (HubSpot portal / Salesforce
 * org) identified, the connection created or updated in the state's workspace with its tokens
 * sealed in the store, then `onInstalled(row)` so the runtime starts driving it. Answers are JSON,
 * or a small HTML page when a browser asks for HTML.
 */

export interface OAuthRoutesDeps {
  /** Any workspace view: the routes pick the workspace from the credentials or the state. */
  store: Store;
  redis: Redis;
  /** Redis key prefix (QUALIFY_QUEUE_PREFIX). */
  prefix: string;
  secretBox: SecretBox;
  /** QUALIFY_PUBLIC_URL: callback URLs are built from it (they must match the vendor app's settings). */
  publicUrl: () => string;
  adminToken?: string | null;
  /** Each system's settings (config.systems); a system whose OAuth app is not set up answers 501 with what to configure. */
  systems: Partial<Record<SourceSystem, unknown>>;
  /** The systems that can be installed: default the registry's with an OAuth capability. */
  definitions?: ReadonlyArray<ConnectorDefinition<EnvVarSpecs, unknown>>;
  /** Called with the created/updated connection (the runtime's addConnection). */
  onInstalled?: (row: ConnectionRow) => unknown;
  logger: Logger;
  now?: () => number;
}

/** The routes' settings from the loaded config; the caller adds store, redis, logger and onInstalled. */
export function oauthSettingsFromConfig(config: Config): Pick<OAuthRoutesDeps, 'prefix' | 'publicUrl' | 'adminToken' | 'systems'> {
  return { prefix: config.queuePrefix, publicUrl: () => config.publicUrl, adminToken: config.adminToken, systems: config.systems };
}

const InstallQuerySchema = z.object({ workspace: z.string().trim().min(1).max(200).optional(), link: z.string().min(1).max(2000).optional() });
const CallbackQuerySchema = z.object({
  code: z.string().min(1).max(2000).optional(),
  state: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The query string through its schema; a bad one is a 400 naming each field. */
function parseQuery<T>(schema: z.ZodType<T>, req: Request): T {
  const q = schema.safeParse(req.query);
  if (!q.success) throw new HttpProblem(400, `query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return q.data;
}

/** For `.catch`: a refusal of this kind (an expired link, a replayed state…) is the caller's to fix, so a 400 with its message; anything else stays a 500. */
const badRequestOn =
  (kind: abstract new (...args: never[]) => Error) =>
  (err: unknown): never => {
    if (err instanceof kind) throw new HttpProblem(400, err.message);
    throw err;
  };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON for API clients, a minimal page for a browser (the callback is a browser's destination). */
function answer(req: Request, res: Response, status: number, title: string, body: Record<string, unknown>, lines: string[]): void {
  res.status(status).set('Cache-Control', 'no-store');
  if (req.accepts(['json', 'html']) === 'html') {
    res
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · qualify</title>` +
          `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .2em}</style></head>` +
          `<body><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}<p><a href="/">Back to qualify</a></p></body></html>`,
      );
    return;
  }
  res.json(body);
}

function problem(req: Request, res: Response, status: number, message: string): void {
  answer(req, res, status, status === 429 ? 'Too many requests' : 'Installation not completed', { error: message }, [message]);
}

export function oauthRoutes(d: OAuthRoutesDeps): Router {
  const router = Router();
  const states = new OAuthStates({ redis: d.redis, prefix: d.prefix, key: d.secretBox.deriveKey('oauth-state'), now: d.now });
  const links = new InstallLinks({ redis: d.redis, prefix: d.prefix, key: d.secretBox.deriveKey('install-link'), now: d.now });
  const installable = (d.definitions ?? CONNECTORS).filter((c) => c.oauth);
  const redirectUri = (system: SourceSystem) => `${d.publicUrl().replace(/\/+$/, '')}/oauth/${system}/callback`;
  /** The system's definition, its OAuth capability and settings; 501 saying what to set when its app is not set up. */
  const systemOf = (req: Request): { system: SourceSystem; label: string; oauth: OAuthCapability<unknown>; settings: unknown } => {
    const def = installable.find((c) => c.system === req.params.system);
    if (!def) throw new HttpProblem(404, `unknown system "${String(req.params.system)}" (expected ${installable.map((c) => c.system).join(' or ')})`);
    const settings = d.systems[def.system];
    const missing =
      settings === undefined
        ? `${def.label} installs are not configured: set ${def.system.toUpperCase()}_CLIENT_ID and ${def.system.toUpperCase()}_CLIENT_SECRET`
        : def.oauth!.unconfigured(settings);
    if (missing) throw new HttpProblem(501, missing);
    return { system: def.system, label: def.label, oauth: def.oauth!, settings };
  };

  /** The workspace a caller may install into: operator (any existing workspace) or a workspace API key (its own). */
  const callerWorkspace = async (req: Request, wanted: string | undefined): Promise<string> => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ') || header.length <= 7) {
      throw new HttpProblem(401, 'starting an install needs "Authorization: Bearer <workspace API key or operator token>", or a link from POST /oauth/<system>/install-link');
    }
    if (d.adminToken && bearerMatches(req, d.adminToken)) {
      const workspaceId = wanted ?? 'default';
      if (!(await d.store.getWorkspace(workspaceId))) throw new HttpProblem(404, `no such workspace: ${workspaceId}`);
      return workspaceId;
    }
    const key = await d.store.resolveApiKey(header.slice(7).trim());
    if (!key) throw new HttpProblem(401, 'unknown or revoked API key');
    // Another workspace's id reads as unknown: a key never learns which workspaces exist.
    if (wanted !== undefined && wanted !== key.workspaceId) throw new HttpProblem(404, `no such workspace: ${wanted}`);
    return key.workspaceId;
  };

  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response): void => {
      fn(req, res).catch((err: unknown) => {
        if (err instanceof HttpProblem) return problem(req, res, err.status, err.message);
        d.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'oauth route failed');
        problem(req, res, 500, 'internal error: the installation was not completed');
      });
    };

  router.get(
    '/oauth/:system/install',
    handle(async (req, res) => {
      const { system, oauth, settings } = systemOf(req); // an unconfigured system answers 501 before the caller is even checked
      const q = parseQuery(InstallQuerySchema, req);
      const workspaceId = q.link !== undefined ? await links.redeem(q.link, system).catch(badRequestOn(InstallLinkError)) : await callerWorkspace(req, q.workspace);
      const issued = await states.issue(workspaceId, system);
      const url = oauth.authorizeUrl(settings, { redirectUri: redirectUri(system), state: issued.state, codeChallenge: issued.codeChallenge });
      d.logger.info({ system, workspace: workspaceId }, 'oauth install started');
      res.set('Cache-Control', 'no-store').redirect(302, url);
    }),
  );

  router.post(
    '/oauth/:system/install-link',
    handle(async (req, res) => {
      const { system } = systemOf(req);
      const workspaceId = await callerWorkspace(req, parseQuery(InstallQuerySchema, req).workspace);
      const { link, expiresAt } = links.create(workspaceId, system);
      const url = `${d.publicUrl().replace(/\/+$/, '')}/oauth/${system}/install?link=${encodeURIComponent(link)}`;
      res.status(201).set('Cache-Control', 'no-store').json({ url, expiresAt: expiresAt.toISOString() });
    }),
  );

  router.get(
    '/oauth/:system/callback',
    handle(async (req, res) => {
      const { system, label, oauth, settings } = systemOf(req);
      const { code, state, error, error_description: description } = parseQuery(CallbackQuerySchema, req);
      if (error !== undefined) {
        // Use the state up anyway, so the same install cannot be finished later.
        await states.consume(state, system).catch(() => undefined);
        const why = error === 'access_denied' ? 'the installation was declined' : 'the vendor refused the installation';
        d.logger.info({ system, error }, 'oauth install not approved');
        throw new HttpProblem(400, `${label} did not authorise qualify (${error}${description ? `: ${description}` : ''}): ${why}. Nothing was connected.`);
      }
      const consumed = await states.consume(state, system).catch(badRequestOn(OAuthStateError));
      if (!code) throw new HttpProblem(400, `${label} sent no authorisation code: start the install again.`);
      const ws = d.store.forWorkspace(consumed.workspaceId);
      if (!(await d.store.getWorkspace(consumed.workspaceId))) throw new HttpProblem(404, `no such workspace: ${consumed.workspaceId}`);

      let install: Awaited<ReturnType<typeof oauth.install>>;
      try {
        install = await oauth.install(settings, { code, redirectUri: redirectUri(system), codeVerifier: consumed.codeVerifier, publicUrl: d.publicUrl(), now: d.now ?? Date.now });
      } catch (err) {
        if (!(err instanceof ConnectorError)) throw err;
        d.logger.warn({ system, workspace: consumed.workspaceId, err: err.message }, 'oauth code exchange failed');
        throw err instanceof AuthError
          ? new HttpProblem(400, `${err.message}. Nothing was connected: start the install again.`)
          : new HttpProblem(502, `${label} did not complete the token exchange (${err.message}). Nothing was connected: start the install again.`);
      }

      const id = `${system}-${install.accountId}`;
      const existing = await d.store.findConnectionByAccount(system, install.accountId);
      if (existing && (existing.workspaceId !== consumed.workspaceId || existing.id !== id)) {
        // Webhooks are routed by portal / org id, so one account can feed only one connection.
        const where = existing.workspaceId === consumed.workspaceId ? `as connection ${existing.id}` : 'in another workspace';
        throw new HttpProblem(409, `${label} account ${install.accountId} is already connected ${where}. Nothing was changed.`);
      }
      // A reinstall keeps what setup learned (the portal's time zone…) and refreshes what the install knows.
      const previous = await ws.getConnection(id);
      let row: ConnectionRow;
      try {
        row = await ws.upsertConnection({ id, system, accountId: install.accountId, config: { ...previous?.config, ...install.config } });
      } catch (err) {
        if (err instanceof StoreConflictError) throw new HttpProblem(409, `${label} account ${install.accountId} is already connected in another workspace. Nothing was changed.`);
        throw err;
      }
      await ws.saveCredentials(id, install.credentials);
      // A reinstall is how a connection that needed re-authorisation gets going again.
      if (row.status === 'needs_reauth') await ws.setConnectionStatus(id, 'active', null);
      const current = (await ws.getConnection(id)) ?? row;
      d.logger.info({ system, workspace: consumed.workspaceId, connection: id, account: install.accountId }, 'oauth install completed');
      try {
        await d.onInstalled?.(current);
      } catch (err) {
        d.logger.error({ connection: id, err: err instanceof Error ? err.message : String(err) }, 'the installed connection could not be started; it will be picked up on the next start');
      }
      answer(
        req,
        res,
        200,
        `${label} connected`,
        { connection: { id, workspaceId: current.workspaceId, system, accountId: current.accountId, status: current.status }, ...install.extra },
        install.lines,
      );
    }),
  );

  return router;
}
