import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { setTrackingId } from '../manifest/tracking.ts';
import type { ApplicationStatus } from '../model/application-status.ts';
import { recordedObjects, recordedUids, uidToRecord, writtenUids } from './inventory.ts';
import type { SyncOperationState } from './state.ts';

const configMap = (name: string, uid: string, app = 'shop', extra: Record<string, string> = {}): KubeObject =>
  setTrackingId(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'team-a', uid, annotations: extra },
    },
    app,
  );

const status: ApplicationStatus = {
  resources: [
    { kind: 'ConfigMap', namespace: 'team-a', name: 'kept', uid: 'u-kept' },
    { kind: 'ConfigMap', namespace: 'team-a', name: 'missing' },
  ],
  operationState: {
    operation: { sync: {} },
    phase: 'Succeeded',
    startedAt: '2026-01-01T00:00:00Z',
    progress: {
      operationId: 'op',
      state: {
        tasks: [
          { key: '/ConfigMap/team-a/just-applied', type: 'apply', uid: 'u-new' },
          { key: '/ConfigMap/team-a/pruned', type: 'prune', uid: 'u-pruned' },
        ],
      },
    },
  },
} as ApplicationStatus;

test('inventory: the uids of the status and those the last operation applied or created', () => {
  assert.deepEqual(
    [...recordedUids(status)].map(([key, uids]) => [key, [...uids]]),
    [
      ['/ConfigMap/team-a/kept', ['u-kept']],
      ['/ConfigMap/team-a/just-applied', ['u-new']],
    ],
  );
  assert.equal(recordedUids(undefined).size, 0);
});

test('inventory: a tracked object counts only under a recorded uid; hooks always count', () => {
  const tracked = [
    configMap('kept', 'u-kept'),
    configMap('just-applied', 'u-new'),
    // Someone annotated their own object with the app's tracking id: never recorded.
    configMap('forged', 'u-forged'),
    // Deleted and made again under the same name by someone else.
    configMap('kept', 'u-impostor'),
    configMap('migrate', 'u-hook', 'shop', { 'argocd.argoproj.io/hook': 'PreSync' }),
  ];
  assert.deepEqual(
    recordedObjects(status, tracked).map((o) => `${o.metadata.name}:${o.metadata.uid}`),
    ['kept:u-kept', 'just-applied:u-new', 'migrate:u-hook'],
  );
});

test('inventory: an entry records the uid of an owned object Git declares or the app recorded before', () => {
  const recorded = recordedUids(status);
  assert.equal(uidToRecord('shop', configMap('web', 'u1'), true, recorded), 'u1');
  assert.equal(uidToRecord('shop', configMap('kept', 'u-kept'), false, recorded), 'u-kept');
  assert.equal(uidToRecord('shop', configMap('forged', 'u-forged'), false, recorded), undefined);
  assert.equal(uidToRecord('shop', configMap('web', 'u1', 'billing'), true, recorded), undefined, 'shared');
  assert.equal(uidToRecord('shop', undefined, true, recorded), undefined);
});

test("inventory: a finished operation's record counts the uids it wrote, and only those", () => {
  const running = status.operationState?.progress as { state: SyncOperationState };
  const written = writtenUids(running.state);
  assert.deepEqual(
    written,
    [{ key: '/ConfigMap/team-a/just-applied', uid: 'u-new' }],
    'a prune writes nothing',
  );
  const finished = {
    ...status,
    operationState: { ...status.operationState, progress: { operationId: 'op', written } },
  } as ApplicationStatus;
  assert.deepEqual(
    [...recordedUids(finished)].map(([key, uids]) => [key, [...uids]]),
    [...recordedUids(status)].map(([key, uids]) => [key, [...uids]]),
  );
  // A record with neither (an operation refused before it started) adds nothing.
  const refused = {
    operationState: { ...status.operationState, progress: { operationId: 'op', revision: 'r' } },
  } as ApplicationStatus;
  assert.equal(recordedUids(refused).size, 0);
});
