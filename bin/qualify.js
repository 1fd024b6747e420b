#!/usr/bin/env node
// The `qualify` command. tsx runs the TypeScript sources directly, so a clone needs no build step.
import { spawn } from 'node:child_process';

// `qualify sync` streams a backfill page by page, so what it keeps alive is small (~65 MB of heap);
// but V8 sizes its heap by the machine's memory and lets garbage pile up to hundreds of MB before
// it collects. The sync therefore runs in a child process with a capped heap that still doubles
// between full collections (a tight cap alone collected every second and cost ~25 % more CPU; this
// costs ~5-10 %), which keeps a 100,000-contact backfill under 300 MB. Skipped when a heap size was
// given, e.g. `NODE_OPTIONS=--max-old-space-size=…`.
const SYNC_HEAP_FLAGS = ['--max-old-space-size=192', '--heap-growing-percent=100'];
const heapGiven = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-old-space-size'));

if (process.argv[2] === 'sync' && !heapGiven) {
  const child = spawn(process.execPath, [...process.execArgv, ...SYNC_HEAP_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C and SIGTERM reach the sync itself, which stops at a page boundary.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal); // die of the same signal, as the sync did
    process.kill(process.pid, signal);
  });
} else {
  const { register } = await import('tsx/esm/api'); // not in the launcher above: it stays small
  register();
  await import('../src/cli/main.ts');
}
