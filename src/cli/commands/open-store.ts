import type { Store } from '../../store/store.types.js';

/**
 * Runs `fn` on the store alone (no Redis, no connectors), for the commands an operator runs
 * beside or without the service: configuration errors print one line and exit 2; the store is
 * closed however `fn` ends. With the embedded database, stop the service first: PGlite admits
 * one process.
 */
export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const [{ loadConfig, ConfigError }, { createStore }, { secretBoxFromConfig }] = await Promise.all([
    import('../../config/load-config.js'),
    import('../../store/sql-store.js'),
    import('../../security/secret-box.js'),
  ]);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secretKey: secretBoxFromConfig(config) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
