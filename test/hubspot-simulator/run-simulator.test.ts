import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

describe('HubSpot sandbox: run-simulator as its own process', () => {
  test('when started with flags, then it prints its base URL, serves the API, and prints stats on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'connectors/hubspot/simulator/run-simulator.ts', '--contacts', '25', '--token', 'tok-1', '--rate-max', '3'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout! });
    const it = lines[Symbol.asyncIterator]();
    const baseUrl = (await it.next()).value as string;
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${baseUrl}/crm/v3/objects/contacts?limit=100`, { headers: { authorization: 'Bearer tok-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(25);
    child.kill('SIGTERM');
    const stats = JSON.parse((await it.next()).value as string) as { totalCalls: number };
    expect(stats.totalCalls).toBe(1);
    await once(child, 'exit');
  }, 20_000);

  test('when a flag is invalid, then it exits 2 naming the flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'connectors/hubspot/simulator/run-simulator.ts', '--webhook-batch-size', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('--webhook-batch-size');
  }, 20_000);
});
