import { describe, expect, test } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { dashboardRoutes } from '../../src/dashboard/dashboard.routes.js';

/** The static side of the dashboard, without a browser: what is served, and with which headers. */
describe('dashboard routes', () => {
  const app = express().use(dashboardRoutes());

  test('when / is requested without any key, then the page is served with a policy that allows no inline or foreign script', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  test('when the page’s script and style are requested, then they are served with their types', async () => {
    const js = await request(app).get('/dashboard/dashboard.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toContain("fetch(path, { headers: { authorization: `Bearer ${apiKey()}`");
    const css = await request(app).get('/dashboard/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  test('when any other file of the folder or a path outside it is asked for, then nothing is served', async () => {
    for (const path of ['/dashboard/dashboard.routes.ts', '/dashboard/index.html', '/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/index.html']) {
      expect((await request(app).get(path)).status).toBe(404);
    }
  });
});
