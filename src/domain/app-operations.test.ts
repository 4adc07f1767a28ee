import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../core/model/application.ts';
import {
  finalizersForDelete,
  HistoryEntryNotFoundError,
  RESOURCES_FINALIZER,
  rollbackPatch,
} from './app-operations.ts';

const app: Application = {
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web' },
  spec: {
    source: { repoURL: 'r' },
    destination: {},
    syncPolicy: { automated: { selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  },
  status: {
    history: [
      { id: 0, revision: 'old', deployedAt: '2025-01-01T00:00:00Z' },
      { id: 1, revision: 'new', deployedAt: '2025-01-02T00:00:00Z' },
    ],
  },
};

test('a rollback syncs the entry revision and turns automation off in the same patch', () => {
  assert.deepEqual(rollbackPatch(app, 0, false, 'cli'), {
    operation: { sync: { revision: 'old' }, initiatedBy: { username: 'cli' } },
    spec: { syncPolicy: { automated: null } },
  });
});

test('a rollback of a manual application only writes the operation', () => {
  const manual = { ...app, spec: { ...app.spec, syncPolicy: undefined } };
  assert.deepEqual(rollbackPatch(manual, 1, true, 'cli'), {
    operation: { sync: { revision: 'new', prune: true }, initiatedBy: { username: 'cli' } },
  });
});

test('a rollback to an unknown ID names the IDs there are', () => {
  assert.throws(
    () => rollbackPatch(app, 7, false, 'cli'),
    (error) =>
      error instanceof HistoryEntryNotFoundError && /no history entry 7 \(IDs: 0, 1\)/.test(error.message),
  );
});

test('cascade adds the resources finalizer, non-cascade removes it', () => {
  const plain = { ...app, metadata: { name: 'web', finalizers: ['other'] } };
  assert.deepEqual(finalizersForDelete(plain, true), ['other', RESOURCES_FINALIZER]);
  assert.equal(finalizersForDelete(plain, false), undefined);
  const cascading = { ...app, metadata: { name: 'web', finalizers: [RESOURCES_FINALIZER, 'other'] } };
  assert.equal(finalizersForDelete(cascading, true), undefined);
  assert.deepEqual(finalizersForDelete(cascading, false), ['other']);
});
