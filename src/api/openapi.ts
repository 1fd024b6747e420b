import { z } from 'zod';
import { ErrorSchema, openApiPath, type AnyApiRoute } from './api-route.js';

/**
 * The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas
 * (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Requests are described as
 * the schemas accept them (`io: 'input'`: defaults optional, coerced query numbers), responses as
 * the handlers produce them.
 */

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Dates and transforms have no JSON Schema; they are documented as "any" rather than failing the document.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

/** One OpenAPI parameter per key of an object schema (path params and query strings). */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`${where} schema must be a z.object (each key is one parameter)`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field, 'input');
    return {
      name,
      in: where,
      // A field that accepts "absent" (optional or defaulted) is not required.
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(typeof description === 'string' && { description }),
      schema: fieldSchema,
    };
  });
}

/** `post /workspaces/:id/api-keys` → `postWorkspacesIdApiKeys`: stable, unique per route, friendly to client generators. */
const operationId = (route: AnyApiRoute): string =>
  route.method + route.path.replace(/[/:-]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApiDocument(routes: readonly AnyApiRoute[], info: { version: string } = { version: '1' }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const operation: JsonSchema = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.description && { description: route.description }),
      tags: [route.path.split('/')[1]],
      security: [{ bearer: [] }],
      'x-qualify-access': route.access ?? 'workspace',
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), { $ref: '#/components/parameters/Workspace' }],
      ...(route.body && {
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: jsonSchema(route.body, 'input') },
            ...(route.yamlBody && { 'application/yaml': { schema: { type: 'string', description: 'the YAML text itself' } } }),
          },
        },
      }),
      responses: {
        [String(route.status ?? 200)]: { description: route.summary, content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } },
        ...(route.body || route.query || route.params ? { '400': errorResponse('the request is invalid: `issues` names each field') } : {}),
        '401': errorResponse('no, unknown or revoked bearer token'),
        ...(route.access === 'operator' && { '403': errorResponse('the route needs the operator token (QUALIFY_ADMIN_TOKEN)') }),
        ...(route.params && { '404': errorResponse('no such id in this workspace (ids of other workspaces answer the same)') }),
      },
    };
    (paths[path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'qualify admin API',
      version: info.version,
      description:
        'Every call needs `Authorization: Bearer <key>`: a workspace API key (that workspace only), or the operator token ' +
        '(QUALIFY_ADMIN_TOKEN) with `X-Qualify-Workspace: <id>` (default `default`). Ids of another workspace answer 404.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(ErrorSchema, 'output') },
      parameters: {
        Workspace: {
          name: 'X-Qualify-Workspace',
          in: 'header',
          required: false,
          description: 'With the operator token: the workspace to act on (default `default`). Ignored with a workspace API key.',
          schema: { type: 'string' },
        },
      },
    },
  };
}
