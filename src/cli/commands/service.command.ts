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
  if (role === 'worker') {
    // A worker alone has no HTTP server: its own port serves its metrics and health checks.
    try {
      await runtime.listenMetrics(config.workerMetricsPort);
      logger.info({ port: config.workerMetricsPort }, `worker metrics on http://localhost:${config.workerMetricsPort}/metrics`);
    } catch (err) {
      // Another worker on this host has the port: this one still works, unscraped, and says so.
      logger.warn({ port: config.workerMetricsPort, err: (err as Error).message }, 'worker metrics port unavailable; set QUALIFY_WORKER_METRICS_PORT per worker');
    }
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
    .description('run the server and the workers in one process (demo mode against the built-in sandboxes when no system is configured)')
    .action(() => run('all'));
  program.command('server').description('run only the HTTP server (webhooks, health, API)').action(() => run('server'));
  program.command('worker').description('run only the queue workers and the scheduled polls').action(() => run('worker'));
}
