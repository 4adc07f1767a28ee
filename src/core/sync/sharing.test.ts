import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cascadeTargets, sharedResourceMessage, sharedWith } from './sharing.ts';

const cm = (name: string) => `/ConfigMap/team-a/${name}`;

test('sharing: a key is shared with every other app that renders it, named once and sorted', () => {
  const claims = [
    { app: 'zeta', keys: new Set([cm('x')]) },
    { app: 'alpha', keys: new Set([cm('x'), cm('y')]) },
  ];
  assert.deepEqual(sharedWith([cm('x'), cm('y'), cm('z')], claims), {
    [cm('x')]: ['alpha', 'zeta'],
    [cm('y')]: ['alpha'],
  });
  assert.deepEqual(sharedWith([cm('x')], []), {});
});

test('sharing: the warning names each object and every app that has it, and counts past ten', () => {
  assert.equal(
    sharedResourceMessage('shop', [
      { ref: { kind: 'ConfigMap', namespace: 'team-a', name: 'x' }, apps: ['billing'] },
      { ref: { kind: 'ClusterRole', name: 'view' }, apps: ['billing', 'ops'] },
    ]),
    'ClusterRole view is part of applications shop, billing and ops; ConfigMap team-a/x is part of applications shop and billing',
  );
  const many = Array.from({ length: 12 }, (_, i) => ({
    ref: { kind: 'ConfigMap', namespace: 'a', name: `c${String(i).padStart(2, '0')}` },
    apps: ['b'],
  }));
  const message = sharedResourceMessage('a', many);
  assert.equal(message.split('; ').length, 11);
  assert.match(message, /; and 2 more objects$/);
});

test('sharing: a cascade deletes what the app tracks and lists, and keeps what others render', () => {
  const tracked = [{ key: cm('own') }, { key: cm('shared') }, { key: cm('forged') }];
  const { targets, kept } = cascadeTargets(tracked, new Set([cm('own'), cm('shared')]), {
    [cm('shared')]: ['billing'],
  });
  assert.deepEqual(targets, [{ key: cm('own') }]);
  assert.deepEqual(kept, [
    { key: cm('shared'), reason: 'application billing renders it too' },
    // Annotated with the app's tracking id after the app's last status: not the app's to delete.
    { key: cm('forged'), reason: 'not in the status of the application' },
  ]);
});
