import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bearerMatches } from '../server/admin-queues.routes.js';
import type { ApiContext, ApiServices } from './api-context.js';

/** The operator picks the workspace it acts on with this header (default `default`). */
export const WORKSPACE_HEADER = 'x-qualify-workspace';

function refuse(res: Response, status: number, error: string): void {
  if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="qualify"');
  res.status(status).json({ error });
}

/**
 * Decides who calls /api, once per request, and hands the route that caller's workspace view of
 * the store (res.locals.api). A route never picks a workspace itself, so it cannot reach another.
 *
 * - `Bearer <QUALIFY_ADMIN_TOKEN>`: the operator, acting on the workspace named by
 *   X-Qualify-Workspace (default `default`); may use operator-only routes.
 * - `Bearer qk_…`: a workspace API key; the key's workspace, nothing else (the header is ignored).
 * - anything else: 401. Without QUALIFY_ADMIN_TOKEN there is no operator at all: an open /api
 *   would let anyone read every workspace once OAuth installs put several teams on one port.
 */
export function apiAuth(services: ApiServices): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      if (typeof header !== 'string' || !header.startsWith('Bearer ') || header.length <= 7) {
        refuse(res, 401, 'missing bearer token: send "Authorization: Bearer <workspace API key>" (or the operator token)');
        return;
      }
      if (services.adminToken && bearerMatches(req, services.adminToken)) {
        const wanted = req.headers[WORKSPACE_HEADER];
        const workspaceId = typeof wanted === 'string' && wanted.trim() !== '' ? wanted.trim() : 'default';
        // The operator may name any workspace, but not one that does not exist (a typo would
        // otherwise read as an empty workspace).
        if (!(await services.store.getWorkspace(workspaceId))) {
          refuse(res, 404, `no such workspace: ${workspaceId} (header X-Qualify-Workspace)`);
          return;
        }
        res.locals.api = { workspaceId, store: services.store.forWorkspace(workspaceId), operator: true, services } satisfies ApiContext;
        return next();
      }
      const key = await services.store.resolveApiKey(header.slice(7).trim());
      if (!key) {
        refuse(res, 401, 'unknown or revoked API key');
        return;
      }
      res.locals.api = { workspaceId: key.workspaceId, store: services.store.forWorkspace(key.workspaceId), operator: false, services } satisfies ApiContext;
      next();
    } catch (err) {
      next(err);
    }
  };
}
