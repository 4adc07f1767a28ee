import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterRecovery } from '../api/types.ts';
import { recoverySteps } from './recovery-steps.ts';

const lostAt = '2026-11-30T10:00:00Z';
const summary = (r: ClusterRecovery) => recoverySteps(r).map((s) => `${s.key}:${s.state}`);

test('awaiting approval: lost, then the approval under way, the rest ahead', () => {
  assert.deepEqual(summary({ incident: lostAt, phase: 'AwaitingApproval', timeline: { lostAt } }), [
    'lost:done',
    'approved:current',
    'action:ahead',
    'registered:ahead',
    'first-synced:ahead',
    'resynced:ahead',
  ]);
});

test('a finished recovery lists every step done, with who approved and what the action said', () => {
  const steps = recoverySteps({
    incident: lostAt,
    phase: 'Succeeded',
    approvedBy: 'local:admin',
    attempts: 1,
    actionOutput: 'created cluster x',
    apps: ['a', 'b'],
    timeline: {
      lostAt,
      actionStartedAt: '2026-11-30T10:01:00Z',
      clusterAnsweredAt: '2026-11-30T10:02:00Z',
      firstAppSyncedAt: '2026-11-30T10:03:00Z',
      allHealthyAt: '2026-11-30T10:04:00Z',
    },
  });
  assert.deepEqual(
    steps.map((s) => `${s.key}:${s.state}`),
    [
      'lost:done',
      'approved:done',
      'action:done',
      'output:done',
      'registered:done',
      'first-synced:done',
      'resynced:done',
    ],
  );
  assert.equal(steps.find((s) => s.key === 'approved')?.detail, 'by local:admin');
  assert.equal(steps.find((s) => s.key === 'output')?.detail, 'created cluster x');
  assert.equal(steps.find((s) => s.key === 'resynced')?.detail, '2 apps');
});

test('a running action is the step under way; a failure ends the list with its reason', () => {
  const running = {
    incident: lostAt,
    phase: 'Running' as const,
    timeline: { lostAt, actionStartedAt: lostAt },
  };
  assert.deepEqual(summary(running).slice(1, 3), ['action:done', 'registered:current']);
  const failed = recoverySteps({ ...running, phase: 'Failed', message: 'quota exceeded' });
  assert.deepEqual(failed.at(-1), {
    key: 'ended',
    label: 'Recovery failed',
    state: 'failed',
    detail: 'quota exceeded',
  });
  assert.ok(failed.every((s) => s.state !== 'current'));
});
