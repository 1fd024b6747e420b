import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Lock files this process holds: a lock naming our own pid but not in here is a previous life's (a container restarted as pid 1). */
const held = new Set<string>();

/**
 * PGlite is one process's database: a second process opening the same data directory would
 * corrupt it. A pid file next to the database refuses that with a sentence saying what to do;
 * a pid file left by a process that died is taken over.
 */
export function acquireDataDirLock(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, 'pglite.lock'));
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(file);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held.delete(file);
          try {
            unlinkSync(file);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: number;
      try {
        holder = Number(readFileSync(file, 'utf8').trim());
      } catch (gone) {
        if ((gone as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
        throw gone;
      }
      const alive = holder === process.pid ? held.has(file) : holder > 0 && isAlive(holder);
      if (alive) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${holder}. ` +
            'Run server and workers as one process (`qualify start`), or set DATABASE_URL to a PostgreSQL server to run several.',
        );
      }
      // Stale: its process is gone. Re-read just before removing, so a lock another starting
      // process took over in the meantime is not removed too.
      try {
        if (readFileSync(file, 'utf8').trim() === String(holder)) unlinkSync(file);
      } catch (gone) {
        if ((gone as NodeJS.ErrnoException).code !== 'ENOENT') throw gone;
      }
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
