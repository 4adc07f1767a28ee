import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../core/model/application.ts';
import { AppChangeFilter } from './app-changes.ts';

function app(
  metadata: Partial<Application['metadata']> & { deletionTimestamp?: string } = {},
  status: { sync?: string; health?: string; reconciledAt?: string } = {},
): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'tiphys', generation: 1, resourceVersion: '1', ...metadata },
    spec: { source: { repoURL: 'https://git.example.com/c.git' }, destination: { namespace: 'web' } },
    status: {
      ...(status.sync ? { sync: { status: status.sync } } : {}),
      ...(status.health ? { health: { status: status.health } } : {}),
      ...(status.reconciledAt ? { reconciledAt: status.reconciledAt } : {}),
    },
  } as Application;
}

test('the first event of an app reconciles it', () => {
  assert.deepEqual(new AppChangeFilter().changed(app()), { reconcile: true, outcomeChanged: false });
});

test("the controller's own status writes do not reconcile again (no loop)", () => {
  const filter = new AppChangeFilter();
  filter.changed(app({}, { sync: 'Synced', health: 'Healthy' }));
  const ownWrite = app({ resourceVersion: '2', managedFields: [] } as Partial<Application['metadata']>, {
    sync: 'Synced',
    health: 'Healthy',
    reconciledAt: '2026-01-01T00:00:01Z',
  });
  assert.deepEqual(filter.changed(ownWrite), { reconcile: false, outcomeChanged: false });
});

test('what a person or CI controls reconciles: spec or operation, annotations, finalizers, deletion', () => {
  const cases: [string, Partial<Application['metadata']> & { deletionTimestamp?: string }][] = [
    ['a spec or operation change (generation)', { generation: 2 }],
    ['a refresh annotation', { annotations: { 'tiphys.dev/refresh': 'normal' } }],
    ['a finalizer', { finalizers: ['resources-finalizer.tiphys.dev'] }],
    ['a deletion', { deletionTimestamp: '2026-01-01T00:00:00Z' }],
  ];
  for (const [what, metadata] of cases) {
    const filter = new AppChangeFilter();
    filter.changed(app());
    assert.equal(filter.changed(app({ resourceVersion: '2', ...metadata })).reconcile, true, what);
  }
});

test('a change of sync or health is reported for the apps that depend on this one', () => {
  const filter = new AppChangeFilter();
  filter.changed(app({}, { sync: 'OutOfSync', health: 'Progressing' }));
  assert.deepEqual(filter.changed(app({}, { sync: 'Synced', health: 'Progressing' })), {
    reconcile: false,
    outcomeChanged: true,
  });
  assert.deepEqual(filter.changed(app({}, { sync: 'Synced', health: 'Healthy' })), {
    reconcile: false,
    outcomeChanged: true,
  });
  assert.equal(filter.changed(app({}, { sync: 'Synced', health: 'Healthy' })).outcomeChanged, false);
});

test('a forgotten app (deleted) is new again when one of its name appears', () => {
  const filter = new AppChangeFilter();
  filter.changed(app());
  filter.forget('web');
  assert.deepEqual(filter.changed(app()), { reconcile: true, outcomeChanged: false });
});
