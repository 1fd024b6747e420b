import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so default files (mappings/…) resolve the same from any working directory. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Absolute paths stay; relative ones resolve against the cwd when the file is there, else against the repo root. */
export function resolveFromRoot(p: string): string {
  if (isAbsolute(p)) return p;
  const fromCwd = resolve(process.cwd(), p);
  return existsSync(fromCwd) ? fromCwd : resolve(repoRoot, p);
}
