/**
 * Token cost of every endpoint the sandbox serves, copied from the `x-token-cost` extension of
 * each operation in Pipedrive's OpenAPI files (openapi-v2.yaml, openapi-v1.yaml). The rate-limiting
 * guide only gives v1 examples (single GET 2, list 20, update 10, delete 6, search 40); v2 is
 * cheaper (list 10, single GET 1, PATCH 5, DELETE 3). A test checks this table against the spec.
 */
export const TOKEN_COSTS: Readonly<Record<string, number>> = {
  'GET /api/v2/persons': 10,
  'POST /api/v2/persons': 5,
  'GET /api/v2/persons/{id}': 1,
  'PATCH /api/v2/persons/{id}': 5,
  'DELETE /api/v2/persons/{id}': 3,
  'GET /api/v2/organizations': 10,
  'GET /api/v2/organizations/{id}': 1,
  'GET /api/v2/activities': 10,
  'GET /api/v2/activities/{id}': 1,
  'GET /api/v2/deals': 10,
  'GET /api/v2/deals/{id}': 1,
  'PUT /api/v1/persons/{id}/merge': 40,
  'GET /api/v1/personFields': 20,
  'POST /api/v1/personFields': 10,
  'GET /api/v1/users/me': 2,
  'GET /api/v1/webhooks': 10,
  'POST /api/v1/webhooks': 10,
  'DELETE /api/v1/webhooks/{id}': 6,
};

/** "PATCH /api/v2/persons/{id}" for "PATCH /api/v2/persons/17": the key for costs and call counts. */
export function endpointKey(method: string, path: string): string {
  const folded = path
    .replace(/\/+$/, '')
    .replace(/^(\/api\/v[12]\/[A-Za-z]+)\/\d+/, '$1/{id}');
  return `${method.toUpperCase()} ${folded}`;
}
