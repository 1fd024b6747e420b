import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * `npm start` and the tests must work on a machine where Redis is installed but not running.
 * If nothing answers at the configured URL and it points at this machine, start a private
 * redis-server from PATH (in-memory, no persistence) on a free port; otherwise stop with one
 * sentence saying how to get one.
 */

export interface RedisHandle {
  url: string;
  /** Set when this process started its own redis-server. */
  stop?: () => Promise<void>;
}

export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

export async function ensureRedis(url: string): Promise<RedisHandle> {
  if (await redisAnswers(url)) return { url };
  const hasServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isLocal(url) || !hasServer) {
    throw new Error(
      `No Redis answers at ${url}: start one (e.g. "apt-get install redis-server" or "brew install redis", then "redis-server"), or set REDIS_URL to a reachable Redis.`,
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore', detached: false },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(privateUrl, 200)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await redisAnswers(privateUrl))) throw new Error(`Started redis-server on port ${port} but it does not answer.`);
  const stop = async () => {
    child.kill('SIGTERM');
  };
  process.once('exit', () => child.kill('SIGTERM'));
  return { url: privateUrl, stop };
}
