import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error bodies. Every v3 error carries status "error", a human message, a
 * correlationId and a category; rate limits use errorType + policyName instead of category
 * (the SDK's own retry logic keys on policyName and the "secondly limit" message).
 */

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category?: string;
  errors?: Array<{ message: string; code?: string; in?: string; context?: Record<string, string[]> }>;
  context?: Record<string, string[]>;
  [extra: string]: unknown;
}

export function errorBody(category: string, message: string, extra: Partial<HubSpotErrorBody> = {}): HubSpotErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export const validationError = (message: string, extra: Partial<HubSpotErrorBody> = {}) => errorBody('VALIDATION_ERROR', message, extra);

export function unauthorized(): HubSpotErrorBody {
  return errorBody(
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );
}

export function notFound(message = 'resource not found'): HubSpotErrorBody {
  return errorBody('OBJECT_NOT_FOUND', message);
}

export type RatePolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

export function rateLimited(policy: RatePolicy): Record<string, unknown> {
  const message =
    policy === 'TEN_SECONDLY_ROLLING'
      ? 'You have reached your ten_secondly_rolling limit.'
      : policy === 'DAILY'
        ? 'You have reached your daily limit.'
        : 'You have reached your secondly limit.';
  return { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: policy };
}

/** One property that failed validation, in the shape HubSpot embeds in its message. */
export interface PropertyValidationResult {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
  portalId: number;
}

export function propertyValidationError(results: PropertyValidationResult[]): HubSpotErrorBody {
  return validationError(`Property values were not valid: ${JSON.stringify(results)}`, {
    errors: results.map((r) => ({ message: r.message, code: r.error, context: { propertyName: [r.name] } })),
  });
}
