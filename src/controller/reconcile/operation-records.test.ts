import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { OperationState } from '../../core/model/application-status.ts';
import type { SyncOperationState } from '../../core/sync/index.ts';
import { appendHistory, finishedProgress, type Progress, retryProgress } from './operation-records.ts';

function app(revisionHistoryLimit: number | undefined, historyIds: number[]) {
  return withDefaults({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'tiphys' },
    spec: {
      source: { repoURL: 'https://git.example.com/c.git', path: 'web' },
      destination: { namespace: 'web' },
      ...(revisionHistoryLimit !== undefined ? { revisionHistoryLimit } : {}),
    },
    status: {
      history: historyIds.map((id) => ({
        id,
        revision: `rev-${id}`,
        source: { repoURL: 'https://git.example.com/c.git' },
        deployedAt: '2026-01-01T00:00:00Z',
      })),
    },
  } as Application);
}

const operation = {
  operation: { sync: {}, initiatedBy: { username: 'alice' } },
  phase: 'Succeeded',
  startedAt: '2026-01-02T00:00:00Z',
} as unknown as OperationState;

test('a sync is appended with the next id, its source, start and initiator', () => {
  const now = new Date('2026-01-02T00:01:00Z');
  const history = appendHistory(app(undefined, [0, 1]), operation, 'new-rev', now);
  assert.deepEqual(history.at(-1), {
    id: 2,
    revision: 'new-rev',
    source: { repoURL: 'https://git.example.com/c.git', path: 'web', targetRevision: 'HEAD' },
    deployedAt: '2026-01-02T00:01:00.000Z',
    deployStartedAt: '2026-01-02T00:00:00Z',
    initiatedBy: { username: 'alice' },
  });
});

test('history is trimmed to revisionHistoryLimit, oldest first out; ids keep counting', () => {
  const history = appendHistory(app(3, [4, 5, 6]), operation, 'new-rev');
  assert.deepEqual(
    history.map((h) => h.id),
    [5, 6, 7],
  );
  assert.equal(
    appendHistory(
      app(
        undefined,
        Array.from({ length: 10 }, (_, i) => i),
      ),
      operation,
      'r',
    ).length,
    10,
  );
});

test('a limit below one still keeps the sync just made (rollback needs it)', () => {
  assert.deepEqual(
    appendHistory(app(0, [1, 2]), operation, 'only').map((h) => h.revision),
    ['only'],
  );
});

test('a retry is a new attempt: a new operation id from the first one, the same revision, due after the delay', () => {
  const first: Progress = {
    operationId: '0123456789ab',
    revision: 'abc',
    state: { phase: 'Failed' } as unknown as SyncOperationState,
  };
  const now = Date.parse('2026-01-01T00:00:00Z');
  const second = retryProgress(first, 1, 5_000, now);
  assert.deepEqual(
    { ...second },
    {
      operationId: '0123456789ab-r1',
      revision: 'abc',
      state: undefined,
      retryAt: '2026-01-01T00:00:05.000Z',
    },
  );
  // The third attempt derives from the first id, not from the second's: ids do not grow.
  const third = retryProgress(second, 2, 10_000, now);
  assert.equal(third.operationId, '0123456789ab-r2');
  assert.notEqual(third.operationId, second.operationId);
  assert.equal(third.retryAt, '2026-01-01T00:00:10.000Z');
});

test("a finished operation's record keeps its id, revision, refusal and the uids it wrote; not its tasks", () => {
  const ended: Progress = {
    operationId: '0123456789ab',
    revision: 'abc',
    projectRefusal: 'no',
    state: {
      phase: 'Succeeded',
      tasks: [
        { key: '/ConfigMap/web/a', type: 'apply', uid: 'u-a', message: 'applied', wave: 0 },
        { key: '/ConfigMap/web/old', type: 'prune', uid: 'u-old', message: 'pruned', wave: 0 },
        { key: 'batch/Job/web/migrate', type: 'hook', uid: 'u-job', message: 'done', wave: -1 },
      ],
    } as unknown as SyncOperationState,
  };
  const record = finishedProgress(ended);
  assert.deepEqual(
    { ...record },
    {
      operationId: '0123456789ab',
      revision: 'abc',
      state: undefined,
      projectRefusal: 'no',
      written: [
        { key: '/ConfigMap/web/a', uid: 'u-a' },
        { key: 'batch/Job/web/migrate', uid: 'u-job' },
      ],
    },
  );
  // Compacting a record again keeps it as it is (a status written twice after the end).
  assert.deepEqual({ ...finishedProgress(record) }, { ...record });
  assert.ok(JSON.stringify(record).length < JSON.stringify(ended).length);
});
