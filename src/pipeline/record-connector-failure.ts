import { AuthError, RateLimitedError } from '../errors/connector-errors.js';
import type { Store } from '../store/store.types.js';

/**
 * The one place a connector failure changes a connection's status, whoever met it (a job in the
 * worker, set-up at start, a `qualify sync`): the daily budget parks it until the reset; a refused
 * authorisation marks it as needing re-authorisation, with the connector's message (which says
 * how). Connectors and token keepers only throw; this decides. Returns the sentence to show, or
 * null for any other error (the caller decides: retry, fail the record, stop).
 */
export async function recordConnectorFailure(store: Store, connectionId: string, err: unknown, now = Date.now()): Promise<{ message: string; until?: Date } | null> {
  if (err instanceof RateLimitedError && err.scope === 'daily') {
    const until = new Date(now + err.retryAfterMs);
    const message = `daily API budget reached; parked until ${until.toISOString()}`;
    await store.setConnectionStatus(connectionId, 'parked', message, until);
    return { message, until };
  }
  if (err instanceof AuthError) {
    const message = `authorisation failed: ${err.message.replace(/\.+$/, '')}. Re-authorise the connection.`;
    await store.setConnectionStatus(connectionId, 'needs_reauth', message, null);
    return { message };
  }
  return null;
}
