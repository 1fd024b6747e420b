/**
 * Pipedrive's error bodies. Every error follows one envelope (Responses guide,
 * pipedrive.readme.io/docs/core-api-concepts-responses): success false, `error` the main
 * message, `error_info`, data and additional_data null. The 401 body is the spec's own example
 * (openapi-v1.yaml, unathorizedResponse). API v2 validation errors carry a `code` instead
 * ({"success":false,"error":"Validation failed: <path>: <message>; ...","code":"ERR_SCHEMA_VALIDATION_FAILED"},
 * as reported verbatim in pipedrive/client-nodejs#651 and client-php#227). Message texts beyond
 * those quoted are the sandbox's wording: connectors must branch on status and code, not text.
 */

const ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';

export interface PipedriveErrorBody {
  success: false;
  error: string;
  error_info?: string;
  errorCode?: number;
  data?: null;
  additional_data?: null;
}

export function errorBody(error: string): PipedriveErrorBody {
  return { success: false, error, error_info: ERROR_INFO, data: null, additional_data: null };
}

export interface V2ErrorBody {
  success: false;
  error: string;
  code: string;
}

/** One or more "<path>: <message>" problems, joined like the v2 API does. */
export function v2ValidationError(problems: string[]): V2ErrorBody {
  return { success: false, error: `Validation failed: ${problems.join('; ')}`, code: 'ERR_SCHEMA_VALIDATION_FAILED' };
}

/** v2's refusal of a body or query parameter it does not know (wording from client-nodejs#651). */
export function notAllowed(param: string): string {
  return `${param}: Parameter '${param}' is not allowed for this request`;
}

export function unauthorized(): PipedriveErrorBody {
  return { success: false, error: 'unauthorized access', errorCode: 401 };
}

export function notFound(entity: string): PipedriveErrorBody {
  return errorBody(`${entity} not found`);
}

/** The doc's 429 example is only partly preserved; "Request over limit" is what clients see in the wild. */
export function rateLimited(): PipedriveErrorBody {
  return { ...errorBody('Request over limit'), errorCode: 429 };
}
