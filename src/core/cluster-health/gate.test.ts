import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterStatus } from '../model/cluster.ts';
import { clusterConditions } from './conditions.ts';
import { clusterHold } from './gate.ts';

const lost: ClusterStatus = {
  health: {
    phase: 'Lost',
    unreachableSince: '2026-11-30T10:00:00Z',
    lostAt: '2026-11-30T10:05:00Z',
    message: 'connect ECONNREFUSED',
  },
};

test('an app on a lost cluster is held with what the recovery is doing, or that there is no policy', () => {
  assert.match(
    clusterHold('eu', { name: 'shop', wave: 0 }, lost)?.message ?? '',
    /cluster eu is lost \(unreachable since 2026-11-30T10:00:00Z, lost at 2026-11-30T10:05:00Z\); it has no recovery policy/,
  );
  const running = {
    ...lost,
    recovery: { incident: 'x', phase: 'Running' as const, message: 'attempt 1 running', timeline: {} },
  };
  assert.match(
    clusterHold('eu', { name: 'shop', wave: 0 }, running)?.message ?? '',
    /recovery Running: attempt 1 running/,
  );
  assert.equal(
    clusterHold('eu', { name: 'shop', wave: 0 }, { health: { phase: 'Unreachable' } }),
    undefined,
    'unreachable is not lost yet',
  );
});

test('while bootstrapping, an app of a later wave waits; other apps and earlier waves go', () => {
  const status: ClusterStatus = {
    health: { phase: 'Reachable' },
    recovery: { incident: 'x', phase: 'Bootstrapping', wave: 0, apps: ['crds', 'shop'], timeline: {} },
  };
  assert.equal(clusterHold('eu', { name: 'crds', wave: 0 }, status), undefined);
  assert.equal(clusterHold('eu', { name: 'shop', wave: 1 }, status)?.reason, 'WaitingForRecoveryWave');
  assert.equal(
    clusterHold('eu', { name: 'new-app', wave: 5 }, status),
    undefined,
    'not one of the recovered apps',
  );
});

test('conditions: lost without policy, awaiting approval, drift after a return; the time kept while unchanged', () => {
  const first = clusterConditions(lost, { hasPolicy: false, driftedApps: [], now: 't1' });
  assert.deepEqual(
    first.map((c) => c.type),
    ['ClusterLost'],
  );
  assert.match(first[0]?.message ?? '', /no recovery policy/);
  const again = clusterConditions(
    { ...lost, conditions: first },
    { hasPolicy: false, driftedApps: [], now: 't2' },
  );
  assert.equal(again[0]?.lastTransitionTime, 't1');
  const waiting = clusterConditions(
    { ...lost, recovery: { incident: 'x', phase: 'AwaitingApproval', message: 'waiting', timeline: {} } },
    { hasPolicy: true, driftedApps: [], now: 't' },
  );
  assert.deepEqual(
    waiting.map((c) => c.type),
    ['ClusterLost', 'RecoveryAwaitingApproval'],
  );
  const back = clusterConditions(
    { health: { phase: 'Reachable', returnedAt: 't' } },
    { hasPolicy: true, driftedApps: ['manual-app'], now: 't' },
  );
  assert.deepEqual(
    back.map((c) => c.type),
    ['DriftAfterReturn'],
  );
  assert.match(back[0]?.message ?? '', /manual-app/);
});
