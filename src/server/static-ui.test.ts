// The web UI: its files at /, index.html for the SPA's own routes, JSON 404s for API paths.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './app.ts';
import { FakeAuth, MemoryApps, unreachableKubeConfig } from './testkit.ts';

describe('static web UI', () => {
  let server: FastifyInstance;
  let uiDir: string;
  before(async () => {
    uiDir = mkdtempSync(join(tmpdir(), 'tiphys-ui-'));
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Tiphys UI</title>');
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    server = await buildServer({
      kubeConfig: unreachableKubeConfig(),
      namespace: 'tiphys',
      auth: new FakeAuth(),
      apps: new MemoryApps(),
      uiDir,
    });
  });
  after(async () => {
    await server.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  test('serves index.html at /, and the built assets', async () => {
    const home = await server.inject({ method: 'GET', url: '/' });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Tiphys UI/);
    const asset = await server.inject({ method: 'GET', url: '/assets/app.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
  });

  test('any other page path falls back to index.html; API paths do not', async () => {
    const page = await server.inject({ method: 'GET', url: '/applications/guestbook?tab=tree' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Tiphys UI/);
    for (const url of ['/api/v1/nothing', '/api/nothing', '/auth/nothing']) {
      const api = await server.inject({ method: 'GET', url });
      assert.equal(api.statusCode, 404, url);
      assert.ok(api.json().error, url);
    }
  });
});
