/**
 * Errors the store throws on purpose, so callers (admin API, CLI) can answer them precisely
 * (409, 404, 400) instead of as a 500.
 */

/** The thing to create already exists (a workspace id, …). */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/** A value the store refuses (a malformed workspace id, a bucket width of 0, …). */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
}
