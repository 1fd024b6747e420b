import type { Store } from '../store/store.types.js';

/** The name demo keys carry, so the next start can find and revoke them. */
export const DEMO_KEY_NAME = 'demo dashboard';

/**
 * Demo mode's key to the admin API and the dashboard (/api is never open, even locally). A key is
 * stored only as a hash, so a new one is issued at each start and the previous demo keys are
 * revoked: exactly one demo key works at a time, the one just printed.
 */
export async function issueDemoApiKey(store: Store): Promise<string> {
  for (const k of await store.listApiKeys()) {
    if (k.name === DEMO_KEY_NAME && !k.revokedAt) await store.revokeApiKey(k.id);
  }
  return (await store.createApiKey(DEMO_KEY_NAME)).key;
}
