import { readFileSync } from 'node:fs';
import { Router, type Response } from 'express';

/**
 * The dashboard at `/`: three static files, no build step. They need no auth (they hold no data);
 * the page reads everything from /api with the workspace API key the user gives it, so the API's
 * checks are the only ones that matter.
 *
 * Files are read once at start-up from this folder (src/ ships in the image), and only these
 * three are served: a static handler over the folder would also serve this file.
 */
const FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
} as const;

// No inline script or style and nothing from elsewhere: the page handles an API key, so an
// injected script must have nowhere to run from or send it to.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function dashboardRoutes(): Router {
  const router = Router();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, import.meta.url));
    router.get(path, (_req, res: Response) => {
      res.set({
        'content-type': type,
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        // Revalidate each time, so a deploy never leaves a page talking to an API it predates.
        'cache-control': 'no-cache',
      });
      res.send(body);
    });
  }
  return router;
}
