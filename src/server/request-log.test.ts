import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestLogEntry } from './request-log.ts';

const request = {
  method: 'GET',
  route: '/api/v1/applications/:name',
  status: 200,
  elapsedMs: 12.345,
  ip: '10.0.0.9',
};

test('a request is logged with its route and status, and never its query string', () => {
  const entry = requestLogEntry({ ...request, url: '/api/v1/applications/web?token=secret-value' });
  assert.deepEqual(entry, {
    level: 'info',
    fields: {
      method: 'GET',
      path: '/api/v1/applications/web',
      route: '/api/v1/applications/:name',
      status: 200,
      durationMs: 12.3,
      remoteAddress: '10.0.0.9',
    },
  });
  assert.ok(!JSON.stringify(entry).includes('secret-value'));
});

test('probes are debug lines, server faults warnings, unknown paths one route label', () => {
  assert.equal(requestLogEntry({ ...request, url: '/metrics', route: '/metrics' }).level, 'debug');
  assert.equal(requestLogEntry({ ...request, url: '/x', status: 502 }).level, 'warn');
  assert.equal(
    requestLogEntry({ ...request, url: '/nothing', route: undefined, status: 404 }).fields.route,
    'unmatched',
  );
});
