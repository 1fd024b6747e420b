export default async function globalTeardown() {
  await globalThis.__qualifyRedis?.stop?.();
}
