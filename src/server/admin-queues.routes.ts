import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Queues } from '../queues/queues.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';
const COOKIE = 'qualify_admin';
/** A browser session on the dashboard lasts a working day; after that, ?token= again. */
const COOKIE_MAX_AGE_MS = 8 * 3600 * 1000;

/** Compares in constant time whatever the lengths (both sides hashed first). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** `Authorization: Bearer <token>` carries the operator token. */
export function bearerMatches(req: Request, token: string): boolean {
  const header = req.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') && same(header.slice(7), token);
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The operator token, from a header (curl, scripts) or from a browser: `?token=` once sets an
 * HttpOnly cookie scoped to the dashboard and redirects to the same page without the token, so
 * the token leaves the address bar and history. The cookie holds an HMAC of the token, never
 * the token itself, so it opens the dashboard and nothing else (not /api).
 */
function operatorOnly(token: string): RequestHandler {
  const session = createHmac('sha256', token).update('qualify bull-board session').digest('base64url');
  return (req: Request, res: Response, next: NextFunction) => {
    if (bearerMatches(req, token)) return next();
    const given = req.query.token;
    if (typeof given === 'string' && same(given, token)) {
      res.cookie(COOKIE, session, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: ADMIN_QUEUES_PATH, maxAge: COOKIE_MAX_AGE_MS });
      const url = new URL(req.originalUrl, 'http://qualify.invalid');
      url.searchParams.delete('token');
      res.redirect(303, url.pathname + url.search);
      return;
    }
    const cookie = cookieValue(req, COOKIE);
    if (cookie !== undefined && same(cookie, session)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="qualify"')
      .json({
        error: `the queue dashboard needs the operator token: send "Authorization: Bearer <QUALIFY_ADMIN_TOKEN>", or open ${ADMIN_QUEUES_PATH}?token=<QUALIFY_ADMIN_TOKEN> once in a browser`,
      });
  };
}

/**
 * bull-board at /admin/queues for the three queues, behind QUALIFY_ADMIN_TOKEN. The dashboard can
 * retry and delete jobs and shows their data (record ids, property values), so without a
 * configured token it is off rather than open.
 */
export function adminQueuesRoutes(queues: Queues, adminToken: string | undefined): Router {
  const router = Router();
  if (!adminToken) {
    router.use(ADMIN_QUEUES_PATH, (_req, res) => {
      res.status(404).json({ error: `the queue dashboard is off: set QUALIFY_ADMIN_TOKEN to enable it, then open ${ADMIN_QUEUES_PATH}?token=<token>` });
    });
    return router;
  }
  // Built on the first authorised request: most apps (tests, one-off commands) never open it.
  let board: Router | undefined;
  const dashboard: RequestHandler = (req, res, next) => {
    if (!board) {
      const serverAdapter = new ExpressAdapter();
      serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
      createBullBoard({ queues: queues.all().map((q) => new BullMQAdapter(q)), serverAdapter });
      board = serverAdapter.getRouter() as Router;
    }
    board(req, res, next);
  };
  router.use(ADMIN_QUEUES_PATH, operatorOnly(adminToken), dashboard);
  return router;
}
