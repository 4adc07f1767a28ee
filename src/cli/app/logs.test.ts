import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../../core/model/application.ts';
import { explainLogError } from '../../domain/pod-logs.ts';
import { formatLogEntry, parseSince } from './logs.ts';
import { resolveResource } from './resource-flags.ts';

test('--since takes seconds, minutes or hours; anything else is refused', () => {
  assert.equal(parseSince('30s'), 30);
  assert.equal(parseSince('5m'), 300);
  assert.equal(parseSince('2h'), 7200);
  for (const bad of ['5', '1d', '-5m', 'm']) assert.throws(() => parseSince(bad), /expected a duration/);
});

test('lines go to stdout with their Pod and container; why a log is missing goes to stderr', () => {
  assert.deepEqual(formatLogEntry({ pod: 'web-1', container: 'app', line: 'ready' }), {
    out: 'web-1/app ready',
  });
  assert.deepEqual(formatLogEntry({ pod: 'web-1', container: 'app', error: 'gone' }), {
    err: 'web-1/app: log not available: gone',
  });
  assert.deepEqual(formatLogEntry({ notice: 'the app has no Pods' }), { err: 'the app has no Pods' });
});

test("a kwok node's answer is explained; other errors are kept as they are", () => {
  assert.match(
    explainLogError('no preferred addresses found; known addresses: []'),
    /the node did not serve the log/,
  );
  assert.equal(
    explainLogError('container "x" is not valid for pod "y"'),
    'container "x" is not valid for pod "y"',
  );
});

test('--kind and --name find the one resource of the app; the other flags pick among several', () => {
  const app = {
    metadata: { name: 'shop' },
    status: {
      resources: [
        { group: 'apps', kind: 'Deployment', namespace: 'a', name: 'web' },
        { group: 'apps', kind: 'Deployment', namespace: 'b', name: 'web' },
        { group: 'batch', kind: 'CronJob', namespace: 'a', name: 'nightly' },
      ],
    },
  } as unknown as Application;
  assert.deepEqual(resolveResource(app, { kind: 'CronJob', name: 'nightly' }), {
    group: 'batch',
    kind: 'CronJob',
    namespace: 'a',
    name: 'nightly',
  });
  assert.throws(() => resolveResource(app, { kind: 'Deployment', name: 'web' }), /matches 2 resources/);
  assert.equal(
    resolveResource(app, { kind: 'Deployment', name: 'web', resourceNamespace: 'b' }).namespace,
    'b',
  );
  assert.throws(() => resolveResource(app, { kind: 'Deployment', name: 'api' }), /has no resource/);
  assert.throws(() => resolveResource(app, { kind: 'Deployment' }), /--kind and --name/);
});
