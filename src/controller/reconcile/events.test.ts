import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplicationStatus, OperationState } from '../../core/model/application-status.ts';
import { isNewCondition, statusEvents } from './events.ts';

const operation = (phase: OperationState['phase'], extra: Partial<OperationState> = {}): OperationState => ({
  operation: { sync: {}, initiatedBy: { automated: true } },
  phase,
  message: phase === 'Running' ? 'operation started' : `phase ${phase}`,
  startedAt: '2026-01-01T00:00:00Z',
  progress: { revision: 'abcdef1234567890' },
  ...extra,
});
const reasons = (before: ApplicationStatus | undefined, after: Partial<ApplicationStatus>) =>
  statusEvents(before, after).map((e) => `${e.type}/${e.reason}: ${e.message}`);

test('a sync that starts and finishes in one reconcile records both', () => {
  assert.deepEqual(reasons({}, { operationState: operation('Succeeded') }), [
    'Normal/SyncStarted: sync of abcdef1 started (automated)',
    'Normal/SyncSucceeded: synced abcdef1: phase Succeeded',
  ]);
});

test('a running operation records nothing more until it ends; a failure is a Warning', () => {
  const running = { operationState: operation('Running') };
  assert.deepEqual(reasons(running, { operationState: operation('Running') }), []);
  assert.deepEqual(reasons(running, { operationState: operation('Failed') }), [
    'Warning/SyncFailed: sync of abcdef1 failed: phase Failed',
  ]);
  assert.deepEqual(
    reasons({ operationState: operation('Failed') }, { operationState: operation('Failed') }),
    [],
  );
});

test('a failed attempt that will be retried is a SyncFailed once per attempt', () => {
  const before = { operationState: operation('Running', { retryCount: 1 }) };
  const retried = operation('Running', { retryCount: 2, message: 'hook failed; retrying (attempt 2)' });
  assert.deepEqual(reasons(before, { operationState: retried }), [
    'Warning/SyncFailed: sync of abcdef1 failed: hook failed; retrying (attempt 2)',
  ]);
  assert.deepEqual(reasons({ operationState: retried }, { operationState: retried }), []);
});

test('a requested sync names who asked', () => {
  const requested = operation('Running', { operation: { sync: {}, initiatedBy: { username: 'alice' } } });
  assert.deepEqual(reasons(undefined, { operationState: requested }), [
    'Normal/SyncStarted: sync of abcdef1 started (requested by alice)',
  ]);
});

test('health changes are recorded, the first assessment is not', () => {
  assert.deepEqual(reasons({}, { health: { status: 'Healthy' } }), []);
  assert.deepEqual(reasons({ health: { status: 'Progressing' } }, { health: { status: 'Healthy' } }), [
    'Normal/HealthChanged: health changed from Progressing to Healthy',
  ]);
  assert.deepEqual(
    reasons({ health: { status: 'Healthy' } }, { health: { status: 'Degraded', message: 'crash loop' } }),
    ['Warning/HealthChanged: health changed from Healthy to Degraded (crash loop)'],
  );
  assert.deepEqual(reasons({ health: { status: 'Healthy' } }, { health: { status: 'Healthy' } }), []);
});

test('a condition is new unless the same type and message were there before', () => {
  const refused = { type: 'ProjectViolation', message: 'not permitted: x', lastTransitionTime: 't1' };
  assert.equal(isNewCondition(undefined, refused), true);
  assert.equal(isNewCondition([{ ...refused, lastTransitionTime: 't0' }], refused), false);
  assert.equal(isNewCondition([{ ...refused, message: 'not permitted: y' }], refused), true);
});
