import type { Command } from 'commander';
import type { Booted } from '../../app/bootstrap.js';
import { setupEachConnection } from './connection-failure.js';

/**
 * `qualify start` (server + workers in one process; what `npm start` runs), `qualify server`
 * and `qualify worker` (the same pieces, to scale separately; workers on one Redis cooperate
 * through per-connection deduplicated jobs and the shared rate limiter).
 */
async function run(role: 'all' | 'server' | 'worker'): Promise<void> {
  // Loaded when the command runs (SDKs, queues, the database), so `qualify --help` stays fast.
  const { bootstrap } = await import('../../app/bootstrap.js');
  const booted = await bootstrap({ role });
  const { runtime, config, logger } = booted;
  installShutdown(booted);
  await setupEachConnection(booted);
  if (role !== 'server') {
    runtime.startWorkers();
    await runtime.schedulePolls();
  }
  if (role !== 'worker') {
    await runtime.listen(config.port);
    logger.info({ port: config.port, publicUrl: config.publicUrl }, `qualify listening on http://localhost:${config.port}`);
  }
  await booted.demo?.run();
}

function installShutdown(booted: Booted): void {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    booted.logger.info({ signal }, 'draining: finishing jobs in flight, then stopping');
    try {
      await booted.close();
      process.exit(0);
    } catch (err) {
      booted.logger.error({ err: (err as Error).message }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

export function register(program: Command): void {
  program
    .command('start')
    .description('run the server and the workers in one process (demo mode against the built-in HubSpot sandbox when no HubSpot token is set)')
    .action(() => run('all'));
  program.command('server').description('run only the HTTP server (webhooks, health, API)').action(() => run('server'));
  program.command('worker').description('run only the queue workers and the scheduled polls').action(() => run('worker'));
}
