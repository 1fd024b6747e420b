import type { AnyApiRoute } from './api-route.js';
import { apiKeyRoutes } from './api-keys.routes.js';
import { connectionRoutes } from './connections.routes.js';
import { funnelRoutes } from './funnel.routes.js';
import { leadRoutes } from './leads.routes.js';
import { modelRoutes } from './models.routes.js';
import { rescoreRoutes } from './rescore.routes.js';
import { workspaceRoutes } from './workspaces.routes.js';

/**
 * Every admin API route, in matching order (a literal segment before a `:param` one). The router,
 * the OpenAPI document and the isolation test all read this list: a route added here is served,
 * documented, and must come with an isolation case (test/api/api-isolation.test.ts).
 */
export const API_ROUTES: readonly AnyApiRoute[] = [
  ...workspaceRoutes,
  ...apiKeyRoutes,
  ...connectionRoutes,
  ...modelRoutes,
  ...leadRoutes,
  ...rescoreRoutes,
  ...funnelRoutes,
];
